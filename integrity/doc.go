// Package integrity is CloudTrail log file integrity validation, as
// `aws cloudtrail validate-logs` does it, but offline: over a local copy of
// an AWSLogs tree (Dir), or any Source that lists, opens and reads the
// metadata of objects (an S3 bucket, later).
//
// It sits beside loader in the data path: cmd/evaluate runs it before a
// sweep (`evaluate run --verify`) or alone (`evaluate verify`), and the run
// asks Report.Verdict for the verdict of each file its findings came from.
// Of trailhunt it imports only report, for escaping names as every output
// does (report.Printable).
//
// # How a tree is verified
//
//  1. Every object under each root is located in the AWSLogs layout
//     (Locate): log files under AWSLogs/[o-org/]<account>/CloudTrail/<region>/,
//     digests under .../CloudTrail-Digest/<region>/ named
//     <account>_CloudTrail-Digest_<region>_<trail>_<home region>_<end>[_backfill].json.gz.
//  2. Each digest is gunzipped and parsed; its signature is read from the
//     object's "signature" metadata (for a local copy, the sidecar file
//     <digest>.sig); the public key is the one whose fingerprint (hex MD5 of
//     its PKCS#1 DER) is the digest's digestPublicKeyFingerprint and whose
//     validity holds the digestEndTime; the signature is RSA PKCS#1 v1.5
//     over SHA-256 of the data signing string:
//     digestEndTime "\n" digestS3Bucket "/" digestS3Object "\n"
//     hex(SHA-256(inflated digest)) "\n" previousDigestSignature (or "null").
//  3. The digests of one trail in one account and region form a chain,
//     newest to oldest, through previousDigestS3Object, previousDigestHashValue
//     (SHA-256 of the previous digest, inflated) and previousDigestSignature.
//  4. Each log file a digest lists is hashed (SHA-256 of its decompressed
//     content, as CloudTrail computes hashValue) and compared.
//
// # Invariants
//
//   - Every file in scope gets exactly one verdict (Status): a log file is
//     valid, modified, missing, unlisted or unverifiable; a digest is valid,
//     modified, missing or unverifiable. Chain gaps are reported beside the
//     files, never instead of them.
//   - A file is valid only when a digest whose signature verified vouches for
//     it (for a digest: its own signature verified). A listing in a digest
//     that did not verify proves nothing: the files it lists are
//     unverifiable, whatever their hash.
//   - Report.OK is true only when something was verified and every file and
//     link is valid: "nothing to verify" is not a success.
//   - Nothing outside the scope (Config.Accounts, Config.Regions, and the
//     time window widened by DeliveryMargin) is opened; per-file failures
//     (unreadable, damaged gzip) are verdicts with a reason, never a stop.
//     Verify returns an error only when a root cannot be listed at all or
//     the context is cancelled (the report then holds what was done).
//   - Results do not depend on Config.Workers or on listing order: files,
//     gaps and scopes are sorted.
//   - A log file is read once, streamed through gunzip and SHA-256 (memory
//     does not grow with its size); a digest is read whole, capped at
//     MaxDigestBytes. Memory grows with the number of files in scope (one
//     verdict each, and the digests' entries), not with their size.
//
// What offline verification cannot prove is stated in docs/integrity.md:
// nothing after the newest digest present, and, for a local copy, neither
// the bucket (only the key from AWSLogs/ on is compared) nor that the
// sidecar signatures came from S3 (a forged one simply fails to verify).
package integrity
