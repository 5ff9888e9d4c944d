// Package loader turns inputs into CloudTrail records with provenance; it
// knows no policy.
//
// A [Reader] lists the inputs of its sources ([Reader.List]: [Local] paths,
// directory trees and stdin, or an object store such as package
// loader/s3source) and streams the records of each input ([Reader.Records],
// or [Reader.Scan] without copies) as [trail.Record] values carrying their
// [trail.Source]: file (a path, "-", or "s3://bucket/key"), archive member
// and 0-based record index. [Reader.Open] opens an input ahead of reading it,
// so that a remote GET's latency overlaps the reading of others.
//
// # Sources and the AWSLogs planner
//
// A [Source] lists and opens; content detection is the loader's, the same
// for every source. A [Plan] (accounts, regions, a time window) is applied
// while listing, from paths alone: below an AWSLogs folder only the account,
// CloudTrail region and day folders that can hold events of the window are
// listed, and in a day folder only the files whose delivery time (in their
// name) can (awslogs.go states the margins). A directory outside the plan is
// never listed and a file outside it never opened; a walked file left out
// by its name is skipped as "outside_plan". A remote source's failures to
// fetch are [FetchError]s with reasons of their own, reported and counted
// like the loader's.
//
// # Formats
//
// Formats are detected by content, never by file name:
//
//   - gzip (magic 1f 8b), multi-member streams included; its output is
//     detected again, so .json.gz and .tar.gz both work. Gzip inside gzip is
//     reported as "unsupported".
//   - zip (PK\x03\x04): members in archive order. A zip on stdin or a pipe is
//     spooled to a temporary file of at most MaxDecompressedBytes, removed
//     when done.
//   - tar ("ustar" at offset 257), plain or gzip'd.
//   - JSON: {"Records":[...]} as CloudTrail delivers it to S3 (other
//     top-level keys are tolerated, and several such objects may follow each
//     other); a bare array of records (console and event-history exports);
//     JSON lines; a single event object. A UTF-8 byte order mark is ignored.
//   - Exports (exports.go), plain or gzip'd, several pages one after the
//     other included: `aws cloudtrail lookup-events` output ({"Events":
//     [...]}, each entry's CloudTrailEvent string is the event); `aws logs
//     filter-log-events` and `get-log-events` output ({"events": [...]},
//     each entry's message string is the event), and a CloudWatch Logs
//     subscription's delivery through Data Firehose ({"messageType": ...,
//     "logEvents": [...]} objects, a control message's skipped, its entry
//     not counted); a CloudWatch Logs export to S3 (lines "<RFC 3339 time
//     stamp> <event JSON>"); `aws cloudtrail
//     get-query-results` output ({"QueryResultRows": [[{"col": "value"},
//     ...], ...]}) whose rows hold a whole event, as JSON, in a column. The
//     event is decoded from its JSON string, then validated and indexed as
//     any record is; an entry whose event is missing, not a string or not a
//     JSON object is an "export_event_invalid" error for its index. A JSON
//     string that holds a JSON object, where a record belongs (an array
//     element, a line of JSON lines), is that event: lookup-events --query
//     'Events[].CloudTrailEvent' prints the events so.
//
// Each archive member is detected again (plain or gzip'd JSON); an archive
// inside an archive is "unsupported".
//
// A file whose first value is a one-line object without "Records" followed by
// more values is JSON lines, and so is a file whose first line is a JSON
// scalar (that line is then a "not_object" error). Content that is none of
// these formats (a README, a UTF-16 file) is skipped as "not_cloudtrail"
// when found by a directory walk or inside an archive, and is an error
// ("not_cloudtrail", or "unsupported" for UTF-16) in a file the user named. A single object with digest keys
// (digestStartTime, logFiles, ...) and no eventName, eventVersion or
// eventTime is skipped as "digest"; one with none of those keys and no
// Records is skipped as "not_cloudtrail" when it was found by a directory
// walk or inside an archive (Input.Walked), and yielded as a record when the
// user named the file.
//
// # CloudTrail, not read, or not CloudTrail
//
// What an object with an "Events", "events", "logEvents" or "QueryResultRows" array is,
// is decided by the array's first entry (the keys may come in any order;
// once decided, the object is streamed, not held):
//
//   - lookup-events: an entry with CloudTrailEvent is read; an entry with
//     other keys of lookup-events' Event (EventId, EventName, EventTime,
//     EventSource, Username, Resources, AccessKeyId, ReadOnly) but no
//     CloudTrailEvent is CloudTrail cut down by --query: "unsupported".
//   - CloudWatch Logs: an entry with a string message is read when the
//     message is a JSON object with eventVersion, eventName or eventTime (or
//     is broken JSON: an error for that entry); when the message is text or
//     other JSON the log group is not CloudTrail: "not_cloudtrail". An entry
//     with other keys of CloudWatch Logs' events (logStreamName, timestamp,
//     ingestionTime, eventId) and no message: "unsupported".
//   - CloudTrail Lake: a row with a column whose string value is a JSON
//     object with eventVersion, eventName or eventTime (or whose only
//     column's value is a JSON object string) is read, that column being the
//     event in every row; any other row (the query selected columns: the
//     event data store's columns are lower-cased, flattened renderings from
//     which the event cannot be rebuilt) is "unsupported".
//   - A first entry with none of those keys means the object is no export:
//     it is read as any other object (above). An empty array makes an empty
//     export, skipped as "empty", unless the object has CloudTrail keys.
//
// A CloudWatch Logs export file is one whose first line is a time stamp, a
// space and '{'; when its first event has none of eventVersion, eventName
// and eventTime, the file is "not_cloudtrail". A file whose first line is a
// CSV header with at least two of eventID, eventTime, eventName and
// eventSource (any case, quoted or not, spaces, '_' and '-' ignored: an
// Athena result, a Lake result saved to S3, the console's event history as
// CSV) is "unsupported".
//
// The rule that tells them apart: a file is "unsupported" when it is
// recognisably CloudTrail (keys or columns that are CloudTrail's or its
// exports' and name nothing else) in a shape whose events cannot be read;
// it is then an error however it was found, counted, and the run ends with
// exit 3. A file is "not_cloudtrail" when nothing in it is CloudTrail (text,
// a README, ordinary JSON, an export of another log group): skipped when
// found by a directory walk or inside an archive, an error when the user
// named it.
//
// # Record index
//
// Index counts the elements of the Records array or bare array (0-based,
// non-objects included, continuing across consecutive top-level values), and
// likewise the entries (rows) of an export's array; in JSON lines and in a
// CloudWatch Logs export it is the 0-based line number in the file, blank
// lines included, so that a person can go to the line. A single object has
// index 0.
//
// # Invariants
//
//   - Streams only: no whole file, archive or member is ever held in memory
//     (a zip's central directory aside); memory is bounded by the record cap.
//   - Every record met is either yielded or reported as an *[Error] whose
//     Index is the record's; Stats.Records + Stats.FailedRecords counts
//     them all. Files and members not read are counted in Stats.Skipped by
//     reason; every *Error is counted in Stats.Errors by its Reason.
//   - A yielded Record's Raw is exactly one syntactically valid JSON object,
//     as it appeared in the input: from Records in a slice of its own the
//     caller may keep, from Scan in the reader's buffers until the loop body
//     returns. Each record is checked once, in the same pass that delimits it
//     (validPrefix, which accepts exactly what json.Valid accepts), and that
//     pass records its top-level members' Spans (a lone object, the one
//     layout read another way, leaves Spans nil). An exported event is
//     decoded from its JSON string first (escapes decoded as encoding/json
//     does; invalid UTF-8 passed through), then checked the same way. Duplicate keys are kept as they are. Invalid UTF-8 inside strings is
//     passed through unchanged (encoding/json accepts it as valid syntax);
//     deciding what it means is the consumer's business.
//   - Time is the top-level eventTime parsed by [trail.ParseEventTime], or
//     zero (counted in Stats.NoTime) when it is missing, not a string or not a
//     time; such a record is still yielded.
//   - Caps: a record over Config.MaxRecordBytes is a "record_too_large"
//     error, and so is any other array element or top-level value over it
//     (a Records wrapper is not one value: its elements are capped one by
//     one, and so are an export's entries, each longer than the event
//     decoded from it, and a CloudWatch Logs export's lines; white space
//     between values is not capped). A gzip stream or zip
//     member decompressing to more than Config.MaxDecompressedBytes stops
//     with "decompression_limit" (records before it stand). A .tar.gz is
//     one gzip stream: the cap bounds the whole archive. A value over the
//     record cap is never held: past the cap it is streamed to its end,
//     following only its brackets and strings (unchecked), and reading goes
//     on after it (skip.go), wherever it lies, first line of a JSON-lines
//     file included.
//   - Faults never crash the reader. In JSON lines a bad line is an error for
//     that line and reading goes on. In an array or Records container a
//     syntax error or a truncation ends that file or member (records before
//     it were yielded), and the error says how many bytes were left unread
//     (Error.Unread, counted by reading them); reading goes on with the
//     next member or input. A record that is not an object ("not_object") is an
//     error for its index and reading goes on. Truncated gzip yields the
//     records before the cut, then a "truncated" error. Being streamed, the
//     records of a gzip stream or zip member whose checksum turns out wrong
//     are yielded before the "gzip" or "zip" error that flags it.
//   - Limits of detection: a one-line first object followed by more values
//     makes JSON lines, so two objects on one line ({...}{...}) are one bad
//     line; so does a first object over the record cap that lies on one
//     line (a single such object ends as one record_too_large either way).
//   - Archive members are never extracted, followed or written. Names that
//     are absolute or contain ".." are skipped as "unsafe_path"; symlinks,
//     hard links, devices and FIFOs as "not_regular".
//   - Reading stops promptly when the context is done (after one "canceled"
//     error) or when the consumer stops iterating.
package loader
