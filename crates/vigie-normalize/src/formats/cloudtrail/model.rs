//! The borrowed serde model of a CloudTrail record and of the wrappers that
//! carry it (S3 `Records`, EventBridge `detail`, CloudWatch Logs
//! `logEvents`, digest files).
//!
//! Strings borrow from the input where JSON escapes allow it. Every scalar
//! is read through [`Text`], which also accepts numbers and booleans and
//! ignores objects and arrays where a scalar was expected, so one odd field
//! never costs the whole record. The API-specific parts
//! (`requestParameters`, `responseElements`, ...) stay raw JSON text.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A scalar read as text: strings as they are (borrowed when unescaped),
/// numbers and booleans in their JSON spelling; `null`, objects and arrays
/// are absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl Text<'_> {
    /// The text, unless absent or empty (empty values are dropped, as
    /// Elastic's pipeline drops them).
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or another JSON scalar")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_unit<E>(self) -> Result<Text<'a>, E> {
        Ok(Text(None))
    }

    fn visit_none<E>(self) -> Result<Text<'a>, E> {
        Ok(Text(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'a>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

/// One CloudTrail event, or a wrapper around events (the wrapper keys are
/// read in the same pass so that a plain event is parsed only once).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtRecord<'a> {
    #[serde(default, borrow)]
    pub event_version: Text<'a>,
    #[serde(default, borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(default, borrow)]
    pub event_time: Text<'a>,
    #[serde(default, borrow)]
    pub event_source: Text<'a>,
    #[serde(default, borrow)]
    pub event_name: Text<'a>,
    #[serde(default, borrow)]
    pub aws_region: Text<'a>,
    #[serde(default, borrow, rename = "sourceIPAddress")]
    pub source_ip_address: Text<'a>,
    #[serde(default, borrow)]
    pub user_agent: Text<'a>,
    #[serde(default, borrow)]
    pub error_code: Text<'a>,
    #[serde(default, borrow)]
    pub error_message: Text<'a>,
    #[serde(default, borrow)]
    pub request_parameters: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub response_elements: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub additional_event_data: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub service_event_details: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "requestID")]
    pub request_id: Text<'a>,
    #[serde(default, borrow, rename = "eventID")]
    pub event_id: Text<'a>,
    #[serde(default, borrow)]
    pub event_type: Text<'a>,
    #[serde(default, borrow)]
    pub event_category: Text<'a>,
    #[serde(default, borrow)]
    pub api_version: Text<'a>,
    #[serde(default, borrow)]
    pub management_event: Text<'a>,
    #[serde(default, borrow)]
    pub read_only: Text<'a>,
    #[serde(default, borrow)]
    pub resources: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub recipient_account_id: Text<'a>,
    #[serde(default, borrow, rename = "sharedEventID")]
    pub shared_event_id: Text<'a>,
    #[serde(default, borrow)]
    pub vpc_endpoint_id: Text<'a>,
    #[serde(default, borrow)]
    pub session_credential_from_console: Text<'a>,
    #[serde(default, borrow)]
    pub tls_details: Option<TlsDetails<'a>>,
    /// Added by Logstash when it re-serializes an event.
    #[serde(default, borrow, rename = "@timestamp")]
    pub at_timestamp: Text<'a>,

    // S3 delivery file.
    #[serde(default, borrow, rename = "Records")]
    pub records: Option<Vec<&'a RawValue>>,
    // EventBridge envelope.
    #[serde(default, borrow)]
    pub detail: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub time: Text<'a>,
    // CloudWatch Logs subscription payload.
    #[serde(default, borrow)]
    pub log_events: Option<Vec<LogEvent<'a>>>,
    // Digest files.
    #[serde(default)]
    pub digest_start_time: Option<IgnoredAny>,
    #[serde(default)]
    pub digest_end_time: Option<IgnoredAny>,
    #[serde(default, rename = "digestS3Object")]
    pub digest_s3_object: Option<IgnoredAny>,
}

impl CtRecord<'_> {
    /// Whether the record has any of the keys every CloudTrail event has.
    pub fn looks_like_event(&self) -> bool {
        self.event_version.get().is_some()
            || self.event_name.get().is_some()
            || self.event_source.get().is_some()
    }

    /// Whether the record is a digest file.
    pub fn is_digest(&self) -> bool {
        self.digest_start_time.is_some()
            || self.digest_end_time.is_some()
            || self.digest_s3_object.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    #[serde(default, borrow, rename = "type")]
    pub kind: Text<'a>,
    #[serde(default, borrow)]
    pub principal_id: Text<'a>,
    #[serde(default, borrow)]
    pub arn: Text<'a>,
    #[serde(default, borrow)]
    pub account_id: Text<'a>,
    #[serde(default, borrow)]
    pub access_key_id: Text<'a>,
    #[serde(default, borrow)]
    pub user_name: Text<'a>,
    #[serde(default, borrow)]
    pub invoked_by: Text<'a>,
    #[serde(default, borrow)]
    pub identity_provider: Text<'a>,
    #[serde(default, borrow)]
    pub session_context: Option<SessionContext<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    #[serde(default, borrow)]
    pub attributes: Option<SessionAttributes<'a>>,
    #[serde(default, borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    #[serde(default, borrow)]
    pub web_id_federation_data: Option<WebIdFederation<'a>>,
    #[serde(default, borrow)]
    pub source_identity: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes<'a> {
    #[serde(default, borrow)]
    pub mfa_authenticated: Text<'a>,
    #[serde(default, borrow)]
    pub creation_date: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    #[serde(default, borrow, rename = "type")]
    pub kind: Text<'a>,
    #[serde(default, borrow)]
    pub principal_id: Text<'a>,
    #[serde(default, borrow)]
    pub arn: Text<'a>,
    #[serde(default, borrow)]
    pub account_id: Text<'a>,
    #[serde(default, borrow)]
    pub user_name: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebIdFederation<'a> {
    #[serde(default, borrow)]
    pub federated_provider: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsDetails<'a> {
    #[serde(default, borrow)]
    pub tls_version: Text<'a>,
    #[serde(default, borrow)]
    pub cipher_suite: Text<'a>,
    #[serde(default, borrow)]
    pub client_provided_host_header: Text<'a>,
}

/// One element of `resources`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource<'a> {
    #[serde(default, borrow, rename = "ARN")]
    pub arn: Text<'a>,
    #[serde(default, borrow)]
    pub account_id: Text<'a>,
    #[serde(default, borrow, rename = "type")]
    pub kind: Text<'a>,
}

/// One element of a CloudWatch Logs subscription's `logEvents`.
#[derive(Debug, Default, Deserialize)]
pub struct LogEvent<'a> {
    #[serde(default, borrow)]
    pub message: Text<'a>,
}

/// The keys of `requestParameters` that map to ECS fields (IAM calls).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestNames<'a> {
    #[serde(default, borrow)]
    pub user_name: Text<'a>,
    #[serde(default, borrow)]
    pub new_user_name: Text<'a>,
    #[serde(default, borrow)]
    pub group_name: Text<'a>,
}
