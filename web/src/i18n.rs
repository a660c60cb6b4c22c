//! The page in English or Japanese. English text is its own key: [`t`] looks it up in
//! [`JAPANESE`] when the page is in Japanese and gives it back unchanged otherwise (ECS's own
//! words, in events and errors, stay as ECS writes them). The language is chosen in the
//! header, kept in localStorage, and handed to components as a Yew context, which re-renders
//! them when it changes; [`t`] reads the language the page was last rendered in.

use std::cell::Cell;

/// The page's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// Sets the language [`t`] uses (the app does, each time it renders).
pub fn set(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

/// The text in the page's language.
pub fn t(en: &'static str) -> &'static str {
    if CURRENT.with(Cell::get) == Lang::En {
        return en;
    }
    JAPANESE
        .iter()
        .find(|(key, _)| *key == en)
        .map_or(en, |(_, ja)| ja)
}

/// English → Japanese.
pub const JAPANESE: &[(&str, &str)] = &[
    ("Fleet", "フリート"),
    ("Task definition", "タスク定義"),
    ("Lessons", "レッスン"),
    ("Amazon ECS's control plane as a playground: watch a virtual fleet's services and tasks as you (or, behind berth serve, the AWS CLI) drive it, or paste a task definition: it is judged exactly as RegisterTaskDefinition would judge it.",
     "Amazon ECS のコントロールプレーンを遊び場に。自分で（berth serve 経由なら AWS CLI でも）操作する仮想フリートのサービスとタスクを見たり、タスク定義を貼り付けて RegisterTaskDefinition と同じ基準で判定したりできます。"),
    ("Samples:", "サンプル:"),
    ("Task definition JSON (register input, describe-task-definition output, or a containerDefinitions array)",
     "タスク定義の JSON（register の入力、describe-task-definition の出力、または containerDefinitions の配列）"),
    ("Family for a bare containerDefinitions array", "containerDefinitions 配列だけのときのファミリー名"),
    ("Paste or type a task definition, or pick a sample.", "タスク定義を貼り付けるか入力するか、サンプルを選んでください。"),
    ("Register", "登録"),
    ("Connecting to berth serve...", "berth serve に接続しています…"),
    ("Cluster ", "クラスター "),
    (" Run tasks on: ", " タスクの実行先: "),
    ("Virtual instances", "仮想インスタンス"),
    ("Docker instances", "Docker インスタンス"),
    ("Both", "両方"),
    ("Export as aws ecs commands", "aws ecs コマンドとして書き出す"),
    ("Run task", "タスクを実行"),
    ("Task definition ", "タスク定義 "),
    ("Count ", "数 "),
    ("Where would it go?", "どこに配置される？"),
    ("Service", "サービス"),
    ("Name ", "名前 "),
    ("Desired ", "必要数 "),
    ("Min % ", "最小 % "),
    ("Max % ", "最大 % "),
    ("Create service", "サービスを作成"),
    ("Update service", "サービスを更新"),
    ("Docker agent", "Docker エージェント"),
    ("Token ", "トークン "),
    ("Connect", "接続"),
    ("Container instances", "コンテナインスタンス"),
    ("No container instances in this cluster.", "このクラスターにはコンテナインスタンスがありません。"),
    ("Host ports: ", "ホストポート: "),
    ("none in use", "使用中のものはありません"),
    ("agent disconnected", "エージェント切断"),
    ("Drain", "ドレイン"),
    ("Activate", "有効化"),
    ("Services", "サービス"),
    ("Load balancers", "ロードバランサー"),
    ("requests", "リクエスト"),
    ("Offered load ", "負荷 "),
    (" requests/s", " リクエスト/秒"),
    ("Offer", "流す"),
    ("drains for {} s", "登録解除の遅延 {} 秒"),
    ("{checks} every {i} s, healthy after {h}, unhealthy after {u}", "{checks} を {i} 秒ごとに確認、{h} 回成功で正常、{u} 回失敗で異常"),
    ("{} s left", "残り {} 秒"),
    ("Waiting for capacity (PROVISIONING)", "キャパシティ待ち (PROVISIONING)"),
    ("Pick a lesson: each builds its own cluster here, step by step, and checks each step on what ECS reports.", "レッスンを選んでください。レッスンごとにここで専用のクラスターを一歩ずつ作り、各ステップを ECS の報告で確かめます。"),
    ("Lesson complete.", "レッスン完了。"),
    ("Do it for me", "代わりに実行"),
    ("Nothing to do but wait: ECS is at work (speed the clock up).", "待つだけです。ECS が作業中です (時計を速めてください)。"),
    (" Time: ", " 時刻: "),
    ("Jump to the next thing that happens", "次の出来事まで進める"),
    ("Pause", "一時停止"),
    ("This link carries the cluster", "このリンクにはクラスターが含まれています:"),
    ("AWS calls", "件の AWS 呼び出し"),
    ("Rebuild it here", "ここで再構築"),
    ("Terminate", "終了"),
    ("Disconnect agent", "エージェント切断"),
    ("Reconnect agent", "エージェント再接続"),
    ("Kill its essential container", "必須コンテナを強制終了"),
    ("Add an instance", "インスタンスを追加"),
    ("An image in the registry", "レジストリのイメージ"),
    ("Push a new one", "新しいものをプッシュ"),
    ("Launch", "起動"),
    ("Break", "壊す"),
    ("Next", "次へ"),
    (" Rewind ", " 巻き戻し "),
    ("Drag back and let go: everything after that time is forgotten and the fleet is replayed up to it", "戻したい時刻までドラッグして離すと、それ以降の出来事は取り消され、その時刻までフリートが再生されます"),
    ("No services yet.", "サービスはまだありません。"),
    ("Where would the next task go?", "次のタスクはどこに？"),
    ("Deployment", "デプロイ"),
    ("Desired", "必要数"),
    ("Running", "実行中"),
    ("Pending", "保留中"),
    ("Rollout", "ロールアウト"),
    ("production", "本番"),
    ("test", "テスト"),
    ("bake time left", "ベイク残り"),
    ("Deployment alarms:", "デプロイアラーム:"),
    ("Paused at a lifecycle hook:", "ライフサイクルフックで一時停止中:"),
    ("Continue", "続行"),
    ("Roll back", "ロールバック"),
    ("Lambda hook in progress:", "Lambda フックを実行中:"),
    ("invocation {} waits for its answer.", "{} 回目の呼び出しが応答を待っています。"),
    ("Its endpoint answers:", "応答するエンドポイント:"),
    ("Answer as the function would:", "関数の代わりに応答する:"),
    ("IN_PROGRESS (call back in 30 s)", "IN_PROGRESS (30 秒後に再呼び出し)"),
    ("ECS invokes it again when its call-back delay ends.", "コールバックの待ち時間が終わると ECS が再び呼び出します。"),
    ("The event ECS sent", "ECS が送ったイベント"),
    ("Task", "タスク"),
    ("Click a task to see its describe-tasks document, host ports and logs.", "タスクをクリックすると、describe-tasks のドキュメント、ホストポート、ログが表示されます。"),
    ("Stop task", "タスクを停止"),
    ("Close", "閉じる"),
    ("Restarted in place by its restart policy:", "再起動ポリシーによるその場での再起動:"),
    ("Network bindings (host → container)", "ネットワークバインディング（ホスト → コンテナ）"),
    ("Logs", "ログ"),
    ("CloudWatch Logs", "CloudWatch Logs"),
    ("No events yet.", "まだイベントはありません。"),
    ("No logs: a container with an awslogs logConfiguration sends its output to CloudWatch Logs, shown here.", "ログはありません。awslogs の logConfiguration を持つコンテナは出力を CloudWatch Logs に送り、ここに表示されます。"),
    ("Stopped in the last hour", "この 1 時間に停止したタスク"),
    ("Reservation over time", "予約率の推移"),
    (" reserved of the cluster's registered resources", "（クラスターの登録済みリソースに対する予約率）"),
    ("a sample every 2 s", "2 秒ごとに計測"),
    ("shown", "点を表示"),
    ("Events", "イベント"),
    ("Instance", "インスタンス"),
    ("Zone", "ゾーン"),
    ("Verdict", "判定"),
    ("Why", "理由"),
    ("Strategy keys (lower wins)", "戦略キー（小さいほど優先）"),
    ("This cluster as aws ecs commands", "このクラスターを aws ecs コマンドで"),
    ("Task definitions as RegisterTaskDefinition input (the latest revision of each family), the cluster, and each service as CreateService input, ready for a real account.",
     "タスク定義（各ファミリーの最新リビジョン）を RegisterTaskDefinition の入力として、クラスターを、各サービスを CreateService の入力として書き出します。実際のアカウントでそのまま使えます。"),
    ("◀ Back", "◀ 戻る"),
    ("Step ▶", "次へ ▶"),
    ("To the end ▶▶", "最後まで ▶▶"),
    ("Every expectation of this lesson holds.", "このレッスンの期待はすべて満たされています。"),
    ("Live: cluster", "ライブ: クラスター"),
    ("on this berth serve", "（この berth serve）"),
    ("in this page", "（このページ内）"),
    ("No server: ECS's control plane and the virtual fleet run in your browser, and this browser keeps the session.",
     "サーバーなし：ECS のコントロールプレーンと仮想フリートはブラウザーの中で動き、セッションはこのブラウザーに保存されます。"),
    ("Start over", "最初からやり直す"),
    ("Deregister", "登録解除"),
    (" This browser's storage is full: the session is not being kept, and a reload would lose it. ",
     " このブラウザーのストレージがいっぱいです。セッションは保存されておらず、再読み込みすると失われます。"),
    ("Group ", "グループ "),
    ("Placement, overrides, Start task", "配置・上書き・StartTask"),
    ("Overrides (JSON) ", "上書き（JSON） "),
    ("Start on ", "起動先 "),
    ("Start task", "タスクを開始"),
    ("Circuit breaker, DAEMON, placement", "サーキットブレーカー・DAEMON・配置"),
    (" Deployment circuit breaker (with rollback)", " デプロイのサーキットブレーカー（ロールバックあり）"),
    (" DAEMON: one task on every instance (create only)", " DAEMON：すべてのインスタンスに 1 タスク（作成時のみ）"),
    ("Strategy ", "戦略 "),
    ("Constraint ", "制約 "),
    ("default", "デフォルト"),
    ("spread across zones", "ゾーンに分散"),
    ("spread across instances", "インスタンスに分散"),
    ("binpack on memory", "メモリで詰め込み"),
    ("binpack on CPU", "CPU で詰め込み"),
    ("random", "ランダム"),
    ("spread across zones, then binpack on memory", "ゾーンに分散し、次にメモリで詰め込み"),
    ("none", "なし"),
    ("distinctInstance: one task per instance", "distinctInstance：インスタンスごとに 1 タスク"),
    ("memberOf: the expression below", "memberOf：下の式"),
    ("instances", "インスタンス"),
    ("services", "サービス"),
    ("Changes made with the AWS CLI show here as they happen.", "AWS CLI での変更がその場でここに表示されます。"),
    ("Where the next task would go:", "次のタスクの配置先:"),
    ("instances tie on every strategy; the scheduler's seeded draw picks this one, as placing the task now would.",
     "個のインスタンスがすべての戦略で同点です。今タスクを配置した場合と同じく、スケジューラーのシード付きの抽選がこのインスタンスを選びます。"),
    ("Service Auto Scaling over time:", "Service Auto Scaling の推移:"),
    ("No alarm to follow: the policy's metric appears once it has one.", "追うアラームがありません。ポリシーにアラームができるとそのメトリクスが表示されます。"),
    ("target", "目標"),
    ("desired", "必要数"),
    ("running", "実行中"),
    ("bounds", "範囲"),
    ("Requests a second (RequestCount ÷ 60)", "毎秒のリクエスト (RequestCount ÷ 60)"),
    ("No load balancer in front of the service.", "サービスの前にロードバランサーがありません。"),
    ("Turn Container Insights on for the cluster to see desired and running tasks over time.", "必要数と実行中のタスクの推移を見るには、クラスターの Container Insights をオンにしてください。"),
    ("requests/s", "リクエスト/秒"),
    ("tracked metric", "追跡するメトリクス"),
    ("alarm", "アラーム"),
    ("scaling activity", "スケーリングアクティビティ"),
    ("steady", "一定"),
    ("ramp", "ランプ"),
    ("spike", "スパイク"),
    ("daily", "1 日の周期"),
    ("Profile ", "プロファイル "),
    (" to ", " → "),
    (" over ", " 所要 "),
    (" min", " 分"),
    (" peak ", " ピーク "),
    (" after ", " 開始 "),
    (" for ", " 継続 "),
    (" at hour (UTC) ", " ピーク時刻 (UTC) "),
    ("Following a profile: ", "プロファイルに従っています: "),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_once_and_switching() {
        for (i, (en, _)) in JAPANESE.iter().enumerate() {
            assert!(
                JAPANESE[i + 1..].iter().all(|(other, _)| other != en),
                "{en} twice"
            );
        }
        set(Lang::Ja);
        assert_eq!(t("Fleet"), "フリート");
        assert_eq!(t("Not in the table"), "Not in the table");
        set(Lang::En);
        assert_eq!(t("Fleet"), "Fleet");
    }
}
