//! `berth`: the command-line entry point.
//!
//! `berth validate FILE...` judges task definitions exactly as RegisterTaskDefinition would,
//! with berth-model: it prints the registered document (as `describe-task-definition` shows
//! it) and exits 0, or prints every problem and exits 1; malformed JSON or an unreadable file
//! exits 2. It is meant for anyone's CI, before a deploy.
//!
//! `berth scenario run FILE` replays a scenario (API calls and fleet events at virtual times)
//! on the virtual fleet and prints its event log; a failed expectation exits 1.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use berth_model::task_definition::DescribeTaskDefinitionResponse;
use berth_model::{check_text, ArnScope, Outcome, RegistrationContext, SimTime};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "berth",
    version,
    about = "Amazon ECS's control plane as a playground"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate task definitions as ECS's RegisterTaskDefinition would.
    ///
    /// Accepts a RegisterTaskDefinition input (--cli-input-json), the output of
    /// `aws ecs describe-task-definition`, or a bare containerDefinitions array.
    /// Exit status: 0 all valid, 1 some invalid, 2 malformed JSON or unreadable input.
    Validate(ValidateArgs),
    /// Scenarios on the virtual fleet.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Serves ECS's API over HTTP for the AWS CLI and boto3 (`--endpoint-url`), with a
    /// virtual fleet running in real time and every write journalled under --data.
    Serve(ServeArgs),
    /// Runs ECS tasks as Docker containers for a Berth control plane (`berth serve --agent`,
    /// or the playground's Docker fleet), like the ECS container agent.
    Agent(AgentArgs),
}

#[derive(Parser)]
struct AgentArgs {
    /// Address to listen on for a control plane (the ECS agent's port by default).
    #[arg(long, default_value = "127.0.0.1:51678")]
    listen: std::net::SocketAddr,
    /// Token a control plane must present; a random one is generated when not given.
    #[arg(long)]
    token: Option<String>,
    /// Container instances to offer, each publishing ports on its own 127.0.0.x address.
    #[arg(long, default_value_t = 1)]
    instances: u32,
    /// CPU units per instance (default: the host's cores × 1024, shared out).
    #[arg(long)]
    cpu: Option<u32>,
    /// Memory per instance in MiB (default: the host's memory, shared out).
    #[arg(long)]
    memory: Option<u32>,
    /// Allow privileged containers, host network/PID/IPC modes and bind mounts of host paths.
    #[arg(long)]
    allow_unsafe: bool,
    /// A browser origin allowed to connect besides the local ones (repeatable).
    #[arg(long = "allow-origin")]
    allowed_origins: Vec<String>,
}

#[derive(Parser)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Directory of the journal (SQLite); omit it to keep everything in memory.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Virtual instances launched into each region's default cluster when it is first used.
    #[arg(long, default_value_t = 2)]
    virtual_instances: u32,
    /// Their EC2 instance type.
    #[arg(long, default_value = "t3.medium")]
    instance_type: String,
    /// Account id in every ARN.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Region of requests without a credential scope.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The built playground to serve on GET / (trunk's output).
    #[arg(long, default_value = "dist")]
    web: PathBuf,
    /// Every this many journalled writes, snapshot the state and drop the writes before it.
    #[arg(long, default_value_t = 1000)]
    snapshot_every: u32,
    /// A Docker agent to run tasks on (`ws://HOST:PORT`, as `berth agent` prints it);
    /// repeatable. Its instances join the default region's `default` cluster.
    #[arg(long = "agent")]
    agents: Vec<String>,
    /// The token of each --agent, in the same order (one token serves them all).
    #[arg(long = "agent-token")]
    agent_tokens: Vec<String>,
    /// FUNCTION=URL: an HTTP endpoint standing in for the Lambda function of AWS_LAMBDA
    /// lifecycle hooks (its ARN or name); each invocation is POSTed there and the JSON
    /// answered is the function's return value. Repeatable.
    #[arg(long = "hook-endpoint")]
    hook_endpoints: Vec<String>,
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Runs a scenario file and prints its event log; exits 1 when an expectation fails.
    Run {
        /// The scenario file.
        file: PathBuf,
    },
}

#[derive(Parser)]
struct ValidateArgs {
    /// Task definition files; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Family for a bare containerDefinitions array (default: the file name without extension).
    #[arg(long)]
    family: Option<String>,
    /// Region in the printed ARN.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Account id in the printed ARN.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Revision in the printed document.
    #[arg(long, default_value_t = 1)]
    revision: u32,
    /// registeredAt as epoch seconds, for reproducible output (default: now).
    #[arg(long)]
    registered_at: Option<u64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Agent(args) => match agent(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("berth agent: {error:#}");
                ExitCode::from(2)
            }
        },
        Command::Serve(args) => match serve(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("berth: {error:#}");
                ExitCode::from(2)
            }
        },
        Command::Validate(args) => match validate(&args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("berth: {error:#}");
                ExitCode::from(2)
            }
        },
        Command::Scenario(ScenarioCommand::Run { file }) => match read_input(&file) {
            Ok(text) => {
                let report = berth_fleet_sim::scenario::run(&text);
                for line in &report.log {
                    println!("{line}");
                }
                for failure in &report.failures {
                    eprintln!("{}: {failure}", file.display());
                }
                ExitCode::from(u8::from(!report.failures.is_empty()))
            }
            Err(error) => {
                eprintln!("berth: {error:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if berth_model::instance_types::instance_type(&args.instance_type).is_none() {
        anyhow::bail!("unknown instance type {}", args.instance_type);
    }
    if args.agent_tokens.len() > 1 && args.agent_tokens.len() != args.agents.len() {
        anyhow::bail!(
            "{} --agent-token given for {} --agent: give one token, or one per agent",
            args.agent_tokens.len(),
            args.agents.len()
        );
    }
    let agents = args
        .agents
        .iter()
        .enumerate()
        .map(|(i, url)| berth_server::AgentEndpoint {
            url: url.clone(),
            token: args
                .agent_tokens
                .get(i)
                .or(args.agent_tokens.first())
                .cloned(),
        })
        .collect();
    let options = berth_server::Options {
        agents,
        addr: args.addr,
        data: args.data,
        virtual_instances: args.virtual_instances,
        instance_type: args.instance_type,
        account: args.account,
        default_region: args.region,
        web: Some(args.web),
        snapshot_every: args.snapshot_every,
        hook_endpoints: args.hook_endpoints,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(berth_server::serve(options))
}

fn agent(args: AgentArgs) -> anyhow::Result<()> {
    let options = berth_agent::Options {
        listen: args.listen,
        token: args.token,
        instances: args.instances,
        cpu: args.cpu,
        memory: args.memory,
        allow_unsafe: args.allow_unsafe,
        allowed_origins: args.allowed_origins,
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(berth_agent::run(options))
}

fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let now = match args.registered_at {
        Some(secs) => SimTime::from_secs(secs),
        None => {
            let since_epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            SimTime(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
        }
    };
    let context = RegistrationContext {
        scope: ArnScope {
            region: args.region.clone(),
            account_id: args.account.clone(),
        },
        revision: args.revision,
        now,
    };
    let several = args.files.len() > 1;
    let mut worst = 0u8;
    for file in &args.files {
        let label = file.display().to_string();
        let prefix = if several {
            format!("{label}: ")
        } else {
            String::new()
        };
        let text = match read_input(file) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("{prefix}{error:#}");
                worst = worst.max(2);
                continue;
            }
        };
        let family = args.family.clone().or_else(|| family_from_path(file));
        match check_text(&text, family.as_deref(), &context) {
            Outcome::Registered {
                task_definition,
                tags,
            } => {
                let document = DescribeTaskDefinitionResponse {
                    task_definition: Some(*task_definition),
                    tags,
                };
                if several {
                    println!("{prefix}valid");
                }
                println!("{}", serde_json::to_string_pretty(&document)?);
            }
            Outcome::Invalid(problems) => {
                for problem in problems {
                    println!("{prefix}{problem}");
                }
                worst = worst.max(1);
            }
            Outcome::Malformed(syntax) => {
                println!("{prefix}{syntax}");
                worst = worst.max(2);
            }
        }
    }
    Ok(ExitCode::from(worst))
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

fn family_from_path(path: &Path) -> Option<String> {
    if path == Path::new("-") {
        return None;
    }
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
}
