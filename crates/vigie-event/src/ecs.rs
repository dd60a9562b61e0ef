//! ECS field names used by vigie's normalizers.
//!
//! Keeping the names as constants means a typo is a compile error and the
//! documentation in `docs/event-model.md` can be checked against one list.

pub const TIMESTAMP: &str = "@timestamp";
pub const MESSAGE: &str = "message";
pub const TAGS: &str = "tags";

pub const EVENT_DATASET: &str = "event.dataset";
pub const EVENT_MODULE: &str = "event.module";
pub const EVENT_KIND: &str = "event.kind";
pub const EVENT_CATEGORY: &str = "event.category";
pub const EVENT_TYPE: &str = "event.type";
pub const EVENT_ACTION: &str = "event.action";
pub const EVENT_OUTCOME: &str = "event.outcome";
pub const EVENT_ID: &str = "event.id";
pub const EVENT_PROVIDER: &str = "event.provider";
pub const EVENT_SEVERITY: &str = "event.severity";
pub const EVENT_START: &str = "event.start";
pub const EVENT_END: &str = "event.end";
pub const EVENT_DURATION: &str = "event.duration";
pub const EVENT_CREATED: &str = "event.created";
pub const EVENT_REASON: &str = "event.reason";
pub const EVENT_CODE: &str = "event.code";

pub const CLOUD_PROVIDER: &str = "cloud.provider";
pub const CLOUD_ACCOUNT_ID: &str = "cloud.account.id";
pub const CLOUD_REGION: &str = "cloud.region";
pub const CLOUD_PROJECT_ID: &str = "cloud.project.id";
pub const CLOUD_AVAILABILITY_ZONE: &str = "cloud.availability_zone";
pub const CLOUD_INSTANCE_ID: &str = "cloud.instance.id";
pub const CLOUD_SERVICE_NAME: &str = "cloud.service.name";

pub const USER_NAME: &str = "user.name";
pub const USER_ID: &str = "user.id";
pub const USER_EMAIL: &str = "user.email";
pub const USER_DOMAIN: &str = "user.domain";
pub const USER_FULL_NAME: &str = "user.full_name";
pub const USER_ROLES: &str = "user.roles";
pub const USER_EFFECTIVE_NAME: &str = "user.effective.name";
pub const USER_TARGET_NAME: &str = "user.target.name";
pub const USER_CHANGES_NAME: &str = "user.changes.name";
pub const GROUP_NAME: &str = "group.name";

pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";

pub const SOURCE_IP: &str = "source.ip";
pub const SOURCE_ADDRESS: &str = "source.address";
pub const SOURCE_DOMAIN: &str = "source.domain";
pub const SOURCE_PORT: &str = "source.port";
pub const SOURCE_BYTES: &str = "source.bytes";
pub const SOURCE_PACKETS: &str = "source.packets";
pub const DESTINATION_IP: &str = "destination.ip";
pub const DESTINATION_ADDRESS: &str = "destination.address";
pub const DESTINATION_DOMAIN: &str = "destination.domain";
pub const DESTINATION_PORT: &str = "destination.port";

pub const NETWORK_TRANSPORT: &str = "network.transport";
pub const NETWORK_IANA_NUMBER: &str = "network.iana_number";
pub const NETWORK_BYTES: &str = "network.bytes";
pub const NETWORK_PACKETS: &str = "network.packets";
pub const NETWORK_DIRECTION: &str = "network.direction";
pub const NETWORK_TYPE: &str = "network.type";
pub const NETWORK_COMMUNITY_ID: &str = "network.community_id";

pub const HOST_NAME: &str = "host.name";
pub const HOST_HOSTNAME: &str = "host.hostname";
pub const HOST_ID: &str = "host.id";
pub const HOST_IP: &str = "host.ip";

pub const ORCHESTRATOR_TYPE: &str = "orchestrator.type";
pub const ORCHESTRATOR_CLUSTER_NAME: &str = "orchestrator.cluster.name";
pub const ORCHESTRATOR_NAMESPACE: &str = "orchestrator.namespace";
pub const ORCHESTRATOR_RESOURCE_TYPE: &str = "orchestrator.resource.type";
pub const ORCHESTRATOR_RESOURCE_NAME: &str = "orchestrator.resource.name";
pub const ORCHESTRATOR_RESOURCE_SUBTYPE: &str = "orchestrator.resource.subtype";
pub const ORCHESTRATOR_API_VERSION: &str = "orchestrator.api_version";

pub const CONTAINER_ID: &str = "container.id";
pub const CONTAINER_NAME: &str = "container.name";
pub const CONTAINER_IMAGE_NAME: &str = "container.image.name";
pub const CONTAINER_IMAGE_TAG: &str = "container.image.tag";

pub const PROCESS_NAME: &str = "process.name";
pub const PROCESS_PID: &str = "process.pid";
pub const PROCESS_COMMAND_LINE: &str = "process.command_line";
pub const PROCESS_EXECUTABLE: &str = "process.executable";
pub const PROCESS_PARENT_NAME: &str = "process.parent.name";
pub const PROCESS_PARENT_PID: &str = "process.parent.pid";

pub const FILE_PATH: &str = "file.path";

pub const RULE_NAME: &str = "rule.name";
pub const RULE_ID: &str = "rule.id";
pub const RULE_CATEGORY: &str = "rule.category";
pub const RULE_DESCRIPTION: &str = "rule.description";
pub const RULE_RULESET: &str = "rule.ruleset";

pub const THREAT_TECHNIQUE_ID: &str = "threat.technique.id";
pub const THREAT_TACTIC_NAME: &str = "threat.tactic.name";

pub const RELATED_IP: &str = "related.ip";
pub const RELATED_USER: &str = "related.user";
pub const RELATED_HOSTS: &str = "related.hosts";
pub const RELATED_HASH: &str = "related.hash";

pub const LOG_LEVEL: &str = "log.level";
pub const LOG_LOGGER: &str = "log.logger";

pub const URL_ORIGINAL: &str = "url.original";
pub const URL_PATH: &str = "url.path";
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";

pub const ERROR_CODE: &str = "error.code";
pub const ERROR_MESSAGE: &str = "error.message";

/// The `event.kind` values of ECS.
pub mod kind {
    pub const EVENT: &str = "event";
    pub const ALERT: &str = "alert";
    pub const STATE: &str = "state";
}

/// The `event.outcome` values of ECS.
pub mod outcome {
    pub const SUCCESS: &str = "success";
    pub const FAILURE: &str = "failure";
    pub const UNKNOWN: &str = "unknown";
}

// Added for the AWS normalizers (CloudTrail, GuardDuty, VPC Flow Logs).
pub const RELATED_ENTITY: &str = "related.entity";
pub const USER_TARGET_ID: &str = "user.target.id";
pub const GROUP_ID: &str = "group.id";
pub const TLS_VERSION: &str = "tls.version";
pub const TLS_VERSION_PROTOCOL: &str = "tls.version_protocol";
pub const TLS_CIPHER: &str = "tls.cipher";
pub const TLS_CLIENT_SERVER_NAME: &str = "tls.client.server_name";
pub const CLOUD_MACHINE_TYPE: &str = "cloud.machine.type";
pub const HOST_TYPE: &str = "host.type";
pub const DNS_QUESTION_NAME: &str = "dns.question.name";
pub const SOURCE_GEO_COUNTRY_NAME: &str = "source.geo.country_name";
pub const SOURCE_GEO_CITY_NAME: &str = "source.geo.city_name";
pub const SOURCE_GEO_LOCATION: &str = "source.geo.location";
pub const SOURCE_AS_NUMBER: &str = "source.as.number";
pub const SOURCE_AS_ORGANIZATION_NAME: &str = "source.as.organization.name";
pub const DESTINATION_BYTES: &str = "destination.bytes";
pub const DESTINATION_PACKETS: &str = "destination.packets";
pub const PROCESS_HASH_SHA256: &str = "process.hash.sha256";
pub const PROCESS_USER_NAME: &str = "process.user.name";

// Added for the Kubernetes audit, Falco and Gatekeeper normalizers.
pub const THREAT_FRAMEWORK: &str = "threat.framework";
pub const THREAT_TACTIC_ID: &str = "threat.tactic.id";
pub const THREAT_TECHNIQUE_SUBTECHNIQUE_ID: &str = "threat.technique.subtechnique.id";
pub const PROCESS_PARENT_COMMAND_LINE: &str = "process.parent.command_line";
pub const PROCESS_PARENT_EXECUTABLE: &str = "process.parent.executable";
pub const PROCESS_WORKING_DIRECTORY: &str = "process.working_directory";
pub const USER_EFFECTIVE_ID: &str = "user.effective.id";
