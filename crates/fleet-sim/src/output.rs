//! What a virtual container writes when it starts: the lines its image is known to write
//! (nginx's entrypoint and master process, as the official image writes them) and what its
//! shell command echoes before anything else. Anything else writes nothing: Berth does not
//! invent output an image would not write.

use berth_agent_protocol::ContainerSpec;
use berth_model::SimTime;

/// The lines `container` writes as it starts at `now`.
pub(crate) fn started(container: &ContainerSpec, now: SimTime) -> Vec<String> {
    let argv: Vec<&str> = container
        .entry_point
        .iter()
        .flatten()
        .chain(container.command.iter().flatten())
        .map(String::as_str)
        .collect();
    let program = argv.first().map(|p| p.rsplit('/').next().unwrap_or(p));
    match program {
        Some("sh" | "bash" | "ash" | "dash") if argv.get(1) == Some(&"-c") => {
            echoes(&argv[2..].join(" "))
        }
        Some("echo") => vec![unquote(&argv[1..].join(" "))],
        None | Some("nginx") if repository(&container.image) == "nginx" => nginx(now),
        _ => Vec::new(),
    }
}

/// The image's repository without its registry, path or tag (`public.ecr.aws/nginx/nginx:1`
/// → `nginx`).
fn repository(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split(':').next().unwrap_or(last)
}

/// The `echo`s a script runs before its first loop or condition (whose output we cannot
/// know); an `echo` into a file or a pipe writes nothing.
fn echoes(script: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (words, redirected) in commands(script) {
        match words.first().map(String::as_str) {
            Some("while" | "for" | "until" | "do" | "if") => break,
            Some("echo") if !redirected => lines.push(words[1..].join(" ")),
            _ => {}
        }
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// A script's simple commands, as shell words with their quotes removed, and whether each is
/// redirected (`>`) or piped (`|`). Commands end at `;`, `&&`, `||` and new lines outside
/// quotes.
fn commands(script: &str) -> Vec<(Vec<String>, bool)> {
    let mut commands = Vec::new();
    let (mut words, mut word, mut redirected) = (Vec::new(), None::<String>, false);
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    let end_word = |words: &mut Vec<String>, word: &mut Option<String>| {
        if let Some(w) = word.take() {
            words.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, ';' | '\n' | '&') | (None, '|') if c != '|' || chars.peek() == Some(&'|') => {
                if chars.peek() == Some(&c) {
                    chars.next(); // `&&`, `||`
                }
                end_word(&mut words, &mut word);
                commands.push((std::mem::take(&mut words), redirected));
                redirected = false;
            }
            (None, '>' | '|') => {
                end_word(&mut words, &mut word);
                redirected = true;
            }
            (None, c) if c.is_whitespace() => end_word(&mut words, &mut word),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    end_word(&mut words, &mut word);
    commands.push((words, redirected));
    commands
}

fn unquote(text: &str) -> String {
    commands(text)
        .into_iter()
        .next()
        .map(|(words, _)| words.join(" "))
        .unwrap_or_default()
}

/// The official nginx image's first lines (its entrypoint, then the master process's notices,
/// stamped with the time as nginx writes it).
fn nginx(now: SimTime) -> Vec<String> {
    let (year, month, day, ms) = now.civil();
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    let at = format!("{year:04}/{month:02}/{day:02} {h:02}:{m:02}:{s:02}");
    let entrypoint = [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
    ];
    entrypoint
        .iter()
        .map(|l| (*l).to_owned())
        .chain([
            format!("{at} [notice] 1#1: using the \"epoll\" event method"),
            format!("{at} [notice] 1#1: start worker processes"),
        ])
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn container(image: &str, command: Option<&[&str]>) -> ContainerSpec {
        ContainerSpec {
            name: "app".into(),
            image: image.into(),
            command: command.map(|c| c.iter().map(|s| (*s).to_owned()).collect()),
            ..ContainerSpec::default()
        }
    }

    #[test]
    fn nginx_echo_and_nothing_else() {
        let at = SimTime::from_civil(2026, 12, 7)
            .unwrap()
            .plus_millis(3_723_000);
        let lines = started(&container("public.ecr.aws/nginx/nginx:1.27", None), at);
        assert_eq!(
            lines.last().unwrap(),
            "2026/12/07 01:02:03 [notice] 1#1: start worker processes"
        );
        let script = [
            "sh",
            "-c",
            "echo 'hello;  there' && echo world; while true; do echo tick; done",
        ];
        assert_eq!(
            started(&container("busybox", Some(&script)), at),
            ["hello;  there", "world"]
        );
        let page = ["/bin/sh -c \"echo '<html>' > /srv/index.html && httpd-foreground\""];
        let mut httpd = container("httpd:2.4", Some(&page));
        httpd.entry_point = Some(vec!["sh".into(), "-c".into()]);
        assert!(started(&httpd, at).is_empty());
        assert_eq!(
            started(&container("busybox", Some(&["echo", "hi"])), at),
            ["hi"]
        );
        assert!(started(&container("redis", None), at).is_empty());
        assert!(started(&container("nginx", Some(&["sleep", "5"])), at).is_empty());
    }
}
