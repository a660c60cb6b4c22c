//! Problems and API errors: ECS's exception names, messages, and where in the document.
//!
//! Validation collects every problem (the editor shows them all, each at its JSON path); an
//! API or CLI caller gets the first as an `ApiError`, which is exactly what ECS returns:
//! `{"__type": "ClientException", "message": "..."}`.

use std::fmt;

use serde::Serialize;

/// ECS's exception names (the `__type` of an error response).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ExceptionType {
    /// The request was refused because of something in it (task definitions use this).
    ClientException,
    /// A parameter is malformed or refers to something that does not fit.
    InvalidParameterException,
    /// The JSON body did not match the operation's shapes (wrong type).
    SerializationException,
    /// The cluster does not exist.
    ClusterNotFoundException,
    /// The service does not exist.
    ServiceNotFoundException,
    /// The service is not ACTIVE.
    ServiceNotActiveException,
    /// DeleteCluster while container instances are registered.
    ClusterContainsContainerInstancesException,
    /// DeleteCluster while services are active.
    ClusterContainsServicesException,
    /// DeleteCluster while tasks are active.
    ClusterContainsTasksException,
    /// The request names a feature Berth (or the cluster) does not offer.
    UnsupportedFeatureException,
    /// PutAttributes: a resource would have more than 10 custom attributes.
    AttributeLimitExceededException,
    /// PutAttributes, DeleteAttributes: the target does not exist.
    TargetNotFoundException,
    /// ExecuteCommand: the task's managed agent cannot be reached.
    TargetNotConnectedException,
    /// Tag operations: the resource does not exist.
    ResourceNotFoundException,
    /// An `X-Amz-Target` that names no operation (the name Smithy services use).
    UnknownOperationException,
    /// StopServiceDeployment: no such deployment.
    ServiceDeploymentNotFoundException,
    /// The resource is not in a state that allows the change.
    ConflictException,
    /// The resource is in use (a capacity provider a service runs on).
    ResourceInUseException,
    /// UpdateContainerAgent: the agent runs the latest version already.
    NoUpdateAvailableException,
    /// UpdateContainerAgent: an update is under way.
    UpdateInProgressException,
    /// ListServicesByNamespace: no such namespace.
    NamespaceNotFoundException,
    /// Task set operations: no such task set.
    TaskSetNotFoundException,
    /// A server-side failure (HTTP 500).
    ServerException,
}

impl ExceptionType {
    /// The name as it appears in `__type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionType::ClientException => "ClientException",
            ExceptionType::InvalidParameterException => "InvalidParameterException",
            ExceptionType::SerializationException => "SerializationException",
            ExceptionType::ClusterNotFoundException => "ClusterNotFoundException",
            ExceptionType::ServiceNotFoundException => "ServiceNotFoundException",
            ExceptionType::ServiceNotActiveException => "ServiceNotActiveException",
            ExceptionType::ClusterContainsContainerInstancesException => {
                "ClusterContainsContainerInstancesException"
            }
            ExceptionType::ClusterContainsServicesException => "ClusterContainsServicesException",
            ExceptionType::ClusterContainsTasksException => "ClusterContainsTasksException",
            ExceptionType::UnsupportedFeatureException => "UnsupportedFeatureException",
            ExceptionType::AttributeLimitExceededException => "AttributeLimitExceededException",
            ExceptionType::TargetNotFoundException => "TargetNotFoundException",
            ExceptionType::TargetNotConnectedException => "TargetNotConnectedException",
            ExceptionType::ResourceNotFoundException => "ResourceNotFoundException",
            ExceptionType::UnknownOperationException => "UnknownOperationException",
            ExceptionType::NoUpdateAvailableException => "NoUpdateAvailableException",
            ExceptionType::UpdateInProgressException => "UpdateInProgressException",
            ExceptionType::NamespaceNotFoundException => "NamespaceNotFoundException",
            ExceptionType::TaskSetNotFoundException => "TaskSetNotFoundException",
            ExceptionType::ServiceDeploymentNotFoundException => {
                "ServiceDeploymentNotFoundException"
            }
            ExceptionType::ConflictException => "ConflictException",
            ExceptionType::ResourceInUseException => "ResourceInUseException",
            ExceptionType::ServerException => "ServerException",
        }
    }
}

impl fmt::Display for ExceptionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ECS error as an API caller receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The `__type`.
    #[serde(rename = "__type")]
    pub exception: ExceptionType,
    /// The `message`.
    pub message: String,
}

impl ApiError {
    /// An error of the given type.
    pub fn new(exception: ExceptionType, message: impl Into<String>) -> ApiError {
        ApiError {
            exception,
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.exception, self.message)
    }
}

impl std::error::Error for ApiError {}

/// One step of a [`JsonPath`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathSegment {
    /// An object member.
    Key(String),
    /// An array element (0-based).
    Index(usize),
}

/// Where a problem is in the submitted JSON, e.g. `containerDefinitions[0].portMappings[1]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JsonPath(pub Vec<PathSegment>);

impl JsonPath {
    /// The document root.
    pub fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    /// This path extended by an object member.
    pub fn key(&self, key: &str) -> JsonPath {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_owned()));
        JsonPath(segments)
    }

    /// This path extended by an array index.
    pub fn index(&self, index: usize) -> JsonPath {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        JsonPath(segments)
    }

    /// `prefix` followed by this path (used when the document was wrapped).
    pub fn under(&self, prefix: &JsonPath) -> JsonPath {
        JsonPath(prefix.0.iter().chain(&self.0).cloned().collect())
    }

    /// The form AWS's request validation uses: 1-based `.member` lists,
    /// e.g. `containerDefinitions.1.member.logConfiguration.logDriver`.
    pub fn coral(&self) -> String {
        let mut out = String::new();
        for segment in &self.0 {
            if !out.is_empty() {
                out.push('.');
            }
            match segment {
                PathSegment::Key(key) => out.push_str(key),
                PathSegment::Index(index) => {
                    out.push_str(&(index + 1).to_string());
                    out.push_str(".member");
                }
            }
        }
        out
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("$");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if i == 0 => f.write_str(key)?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for JsonPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One thing wrong with a submitted document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The exception ECS raises for it.
    pub exception: ExceptionType,
    /// ECS's message.
    pub message: String,
    /// Where it is.
    pub path: JsonPath,
}

impl Problem {
    /// The error an API caller would get for this problem.
    pub fn to_api_error(&self) -> ApiError {
        ApiError {
            exception: self.exception,
            message: self.message.clone(),
        }
    }
}

impl fmt::Display for Problem {
    /// `<ExceptionType>: <message> (at <json path>)`, as `berth validate` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (at {})", self.exception, self.message, self.path)
    }
}
