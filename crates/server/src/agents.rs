//! Links to Docker agents (`berth agent`): the server connects to each agent given with
//! `--agent`, registers the instances its Hello offers into the default region's `default`
//! cluster, forwards the control plane's instructions for them and journals what the agent
//! reports. When a link drops, its instances are marked disconnected (their tasks show
//! `connectivity: DISCONNECTED`) and the server reconnects every second; on reconnecting, the
//! control plane tells the agent which tasks should run (`Reconcile`), so nothing started or
//! stopped meanwhile is lost or orphaned.

use std::time::Duration;

use berth_agent_protocol::{AgentMessage, ControllerMessage, Hello};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::Shared;

/// An agent to connect to.
#[derive(Clone, Debug)]
pub struct AgentEndpoint {
    /// `ws://HOST:PORT/` (a `?token=` in it is used as given).
    pub url: String,
    /// The agent's token, when not in the URL.
    pub token: Option<String>,
}

impl AgentEndpoint {
    fn connect_url(&self) -> String {
        match &self.token {
            Some(token) if !self.url.contains("token=") => {
                let separator = if self.url.contains('?') { '&' } else { '?' };
                let base = if self.url.contains('?') || self.url.ends_with('/') {
                    self.url.clone()
                } else {
                    format!("{}/", self.url)
                };
                format!("{base}{separator}token={token}")
            }
            _ => self.url.clone(),
        }
    }

    /// The URL without its token, for messages.
    fn shown(&self) -> &str {
        self.url.split('?').next().unwrap_or(&self.url)
    }
}

/// Keeps a link to one agent for as long as the server runs. With `first`, the outcome of
/// the first attempt is sent there, and a first attempt that fails ends it (an agent linked
/// from the UI whose URL or token is wrong is reported, not retried forever).
pub(crate) async fn keep_linked(
    engine: Shared,
    endpoint: AgentEndpoint,
    mut first: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
) {
    let mut last_error = String::new();
    loop {
        match tokio_tungstenite::connect_async(endpoint.connect_url()).await {
            Ok((socket, _)) => {
                last_error.clear();
                if let Some(first) = first.take() {
                    let _ = first.send(Ok(()));
                }
                eprintln!("berth: connected to the agent at {}", endpoint.shown());
                let reason = link(&engine, socket).await;
                eprintln!(
                    "berth: the agent at {} went away ({reason}); reconnecting",
                    endpoint.shown()
                );
            }
            Err(error) => {
                let error = error.to_string();
                if let Some(first) = first.take() {
                    let _ = first.send(Err(format!(
                        "cannot reach the agent at {}: {error}",
                        endpoint.shown()
                    )));
                    return;
                }
                if error != last_error {
                    eprintln!(
                        "berth: cannot reach the agent at {}: {error}; retrying every second",
                        endpoint.shown()
                    );
                    last_error = error;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One connection's life: Hello, then the agent's reports until it drops. Returns why it ended.
async fn link(engine: &Shared, socket: Socket) -> String {
    let (mut sink, mut stream) = socket.split();
    let hello = match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => {
            match berth_agent_protocol::decode::<AgentMessage>(&text) {
                Ok(AgentMessage::Hello(hello)) => hello,
                Ok(_) => return "it did not start with Hello".into(),
                Err(error) => return error,
            }
        }
        Ok(_) => return "it closed before saying Hello".into(),
        Err(_) => return "no Hello within 10 s".into(),
    };
    let (out, mut outgoing) = mpsc::unbounded_channel::<String>();
    // Pings every 10 s keep the link's both ends sure it is alive (the agent drops a link
    // silent for 45 s); the agent's pongs count as traffic here.
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(Duration::from_secs(10));
        loop {
            let sent = tokio::select! {
                text = outgoing.recv() => match text {
                    Some(text) => sink.send(Message::Text(text.into())).await,
                    None => break,
                },
                _ = ping.tick() => sink.send(Message::Ping(Vec::new().into())).await,
            };
            if sent.is_err() {
                break;
            }
        }
    });
    let ids: Vec<String> = hello
        .instances
        .iter()
        .map(|i| i.instance_id.clone())
        .collect();
    let attached = crate::lock(engine).attach(&hello, &out);
    let reason = match attached {
        Err(error) => format!("its instances could not be registered: {error:#}"),
        Ok(()) => loop {
            let next = tokio::time::timeout(Duration::from_secs(45), stream.next()).await;
            let Ok(next) = next else {
                break "nothing heard for 45 s".into();
            };
            match next {
                Some(Ok(Message::Text(text))) => {
                    match berth_agent_protocol::decode::<AgentMessage>(&text) {
                        // An agent speaks only for the instances it offered.
                        Ok(AgentMessage::Event { instance_id, .. })
                            if !ids.contains(&instance_id) =>
                        {
                            eprintln!("berth: ignored a report for {instance_id}, which this agent did not offer");
                        }
                        Ok(AgentMessage::Event { instance_id, event }) => {
                            if let Err(error) = crate::lock(engine).agent_event(&instance_id, event)
                            {
                                eprintln!("berth: an agent report was not recorded: {error:#}");
                            }
                        }
                        Ok(AgentMessage::Log {
                            task_arn,
                            container,
                            lines,
                        }) => crate::lock(engine).publish_log(&task_arn, &container, lines),
                        Ok(AgentMessage::Hello(_)) => {}
                        Err(error) => eprintln!("berth: ignored an agent message: {error}"),
                    }
                }
                Some(Ok(Message::Close(_))) | None => break "the connection closed".into(),
                Some(Err(error)) => break error.to_string(),
                Some(Ok(_)) => {}
            }
        },
    };
    writer.abort();
    if let Err(error) = crate::lock(engine).detach(&ids) {
        eprintln!("berth: the agent's disconnection was not recorded: {error:#}");
    }
    reason
}

/// An instruction on the wire.
pub(crate) fn instruct_message(
    instance_id: &str,
    instruction: berth_agent_protocol::AgentInstruction,
) -> String {
    berth_agent_protocol::encode(&ControllerMessage::Instruct {
        instance_id: instance_id.to_owned(),
        instruction,
    })
}

/// The journal body of an attach: the offer and the engine version.
pub(crate) fn attach_body(hello: &Hello, index: usize) -> String {
    serde_json::json!({
        "offer": hello.instances[index],
        "dockerVersion": hello.docker_version,
    })
    .to_string()
}
