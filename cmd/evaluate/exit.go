package main

// Exit codes, stated once here and in docs/usage.md. When several apply, the
// highest-priority one wins, in this order: 2, 4, 130, 3, 1, 0.
const (
	exitOK          = 0   // ran to the end; every input read; no --fail-on-findings hit
	exitFindings    = 1   // --fail-on-findings and at least one (unsuppressed) finding
	exitUsage       = 2   // bad flags, unreadable or invalid policies or filter lists, output file not creatable
	exitOutput      = 4   // results or summary could not be written (disk full, ...): no partial file is left
	exitIncomplete  = 3   // ran, but some input or record could not be read or evaluated, or did not verify (verify, --verify)
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM; output so far is valid and marked interrupted
)
