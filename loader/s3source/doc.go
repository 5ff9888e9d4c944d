// Package s3source is the loader's source for Amazon S3 and S3-compatible
// stores: it lists s3://bucket[/prefix] with the AWSLogs planner
// (loader.Plan) and opens each planned object as a streamed, resumable body
// that the loader reads as it reads a local file. It knows no policy and
// reads no records.
//
// # Invariants
//
//   - Nothing outside the plan is fetched: a prefix the plan leaves out is
//     never listed, and an object is opened only if Plan.File keeps it.
//     Digest and Insights prefixes are not listed unless Plan.Digests.
//   - Every request has a timeout: connecting and the time to the response
//     headers are bounded by Config.Timeout per attempt, a body that sends
//     nothing for Config.Timeout is cut (and resumed), and every call honours
//     its context, so Ctrl-C stops a run at once.
//   - Requests are retried, with exponential backoff and full jitter, on
//     throttling (503 SlowDown), 5xx answers and broken connections, up to
//     Config.Attempts attempts. A body that breaks (reset, stall, cut short
//     of its Content-Length) is resumed where it broke with a ranged GET
//     that must match the object's ETag, so the bytes the loader sees are
//     exactly the object's.
//   - A failure to fetch an object is a *loader.FetchError with a reason
//     (Reason*), which the loader reports naming s3://bucket/key and counts;
//     the run goes on with the next object.
//   - Failures that concern the whole bucket (no credentials, no such bucket,
//     access denied to list it, a wrong region that cannot be corrected, a
//     prefix with nothing planned under it) are a *BucketError from Open,
//     before anything is read.
//   - Listing is concurrent (Config.Concurrency requests at once) but the
//     planned objects are yielded in key order, so runs are deterministic.
//   - Counters: every listed object is planned or left out (by reason);
//     every planned object opened ends fetched or failed, once.
package s3source
