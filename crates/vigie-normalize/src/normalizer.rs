//! The [`Normalizer`] trait: the seam between the driver and each format.

use vigie_event::Event;

use crate::NormalizeError;

/// One source format (a dataset).
///
/// Implementations are pure functions of the record text and the stream
/// state: no I/O, no global state, no panics on input.
pub trait Normalizer: Send + Sync {
    /// The `event.dataset` this normalizer produces, e.g. `aws.cloudtrail`.
    fn dataset(&self) -> &str;

    /// A cheap textual check (no full parse) of whether `record` looks like
    /// this format. Used for auto-detection; false positives are resolved by
    /// the order of the registry, so keep the check specific.
    fn sniff(&self, record: &str) -> bool;

    /// Normalizes one framed record (a JSON value's text, or a text line).
    ///
    /// A record may expand into several events (CloudTrail `Records`,
    /// Kubernetes `EventList`, Azure `records`): push each with
    /// [`RecordOutput::push`]; a bad item inside is reported with
    /// [`RecordOutput::reject_item`] while its siblings are kept. Returning
    /// `Err` rejects the whole record.
    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError>;

    /// During auto-detection, whether `record` continues the stream this
    /// normalizer took the previous record of, given the state it left
    /// (a Zeek TSV data line after its `#fields` header, a VPC Flow line
    /// after a custom header). Checked before sniffing. Default: false.
    fn continues(&self, record: &str, state: &StreamState) -> bool {
        let _ = (record, state);
        false
    }

    /// Called once after the payload's last record, for formats whose
    /// events span several records (auditd: every record sharing one
    /// `audit(epoch:serial)`): emit what the stream state still holds.
    /// Item errors reported here are attributed to the payload's last
    /// record. The default does nothing.
    fn finish(&self, state: &mut StreamState, out: &mut RecordOutput<'_>) {
        let _ = (state, out);
    }
}

/// State that lives for one payload (a file, an HTTP body): the column
/// header of a VPC Flow Log file, the `#fields` of a Zeek log, and so on.
#[derive(Debug, Default)]
pub struct StreamState {
    /// Column names announced by a header line, if any.
    pub header: Option<Vec<String>>,
    /// Column types announced by a header line, if any.
    pub header_types: Option<Vec<String>>,
    /// Other `key value` directives (Zeek `#separator`, `#path`, ...).
    pub directives: Vec<(String, String)>,
    /// Format-specific state that outlives one record (auditd's records
    /// waiting for the rest of their event). Each format downcasts its own.
    pub custom: Option<Box<dyn std::any::Any + Send>>,
}

impl StreamState {
    pub fn directive(&self, key: &str) -> Option<&str> {
        self.directives
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn set_directive(&mut self, key: &str, value: &str) {
        self.directives.retain(|(k, _)| k != key);
        self.directives.push((key.to_owned(), value.to_owned()));
    }
}

/// Where a normalizer puts what one record produced.
#[derive(Debug)]
pub struct RecordOutput<'a> {
    pub(crate) events: &'a mut Vec<Event>,
    pub(crate) item_errors: Vec<(usize, NormalizeError)>,
    pub(crate) skipped: Option<&'static str>,
}

impl<'a> RecordOutput<'a> {
    /// An output that appends to `events` (for callers outside the driver,
    /// such as benchmarks and tests).
    pub fn new(events: &'a mut Vec<Event>) -> Self {
        Self {
            events,
            item_errors: Vec::new(),
            skipped: None,
        }
    }

    /// Emits one event.
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Reports that item `item` inside this record (0-based) was bad; the
    /// record's other items still count.
    pub fn reject_item(&mut self, item: usize, error: NormalizeError) {
        self.item_errors.push((item, error));
    }

    /// Marks the record as deliberately skipped (a header line, a CloudTrail
    /// digest file, an empty wrapper): neither accepted nor rejected.
    pub fn skip(&mut self, reason: &'static str) {
        self.skipped = Some(reason);
    }

    /// The item errors reported so far.
    pub fn item_errors(&self) -> &[(usize, NormalizeError)] {
        &self.item_errors
    }
}
