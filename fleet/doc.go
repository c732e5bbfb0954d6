// Package fleet measures architectures on many devices at once through NATS
// JetStream: a coordinator publishes (architecture, device class) jobs and waits
// for them one generation at a time; workers, one per device, pull the jobs of
// their class one at a time, measure them and write the results into a key-value
// bucket.
//
// The engine is NATS JetStream, embedded in the coordinator's process by default
// (StartServer: file store in a directory of the run, no port open; workers of the
// same process use the in-process connection) or reached over TCP (Listen with
// credentials, or an existing server via Dial). Workers are plain outbound
// clients, so a board behind a firewall needs no open port.
//
// JetStream objects (all names are constants of this package):
//
//   - stream LTSBENCH_JOBS, work-queue retention, subjects ltsbench.jobs.<run>.<class>;
//     a job's message id is hash(run, arch key, class, protocol), so publishing a job
//     twice within the de-duplication window (24 h) stores it once;
//   - one durable pull consumer per class, ltsbench_<class>, shared by the class's
//     workers: explicit ack, MaxDeliver deliveries at most, and an AckWait (30 s by
//     default) that bounds how long a worker may be silent, not how long it may
//     measure: a worker reports progress every AckWait/4 while it measures;
//   - stream LTSBENCH_EXHAUSTED keeps the server's max-deliveries advisories of
//     LTSBENCH_JOBS for a week; each run's coordinator reads them through its durable
//     consumer coordinator_<run>, so none is missed while the coordinator is down
//     (Coordinator.Finish deletes it; unread for a week, the server does);
//   - KV bucket ltsbench_results, key <run>.<class>.<sha256(arch key)>: one Record
//     per job, written once (create, never overwrite) by the worker that measured it,
//     or by the coordinator when the job's deliveries are exhausted;
//   - KV bucket ltsbench_workers, key <class>.<worker id>: each worker's fingerprint;
//   - KV bucket ltsbench_classes, key <class>: the fingerprint hash every result of
//     the class must carry (the first worker's, or the one the coordinator pins).
//
// A generation (Coordinator.RunGeneration) is a barrier: jobs whose record is
// already in the results bucket are not published again (resume), the others are
// published, and it returns when each has a record or the deadline passes; the
// jobs still unmeasured then are removed from the stream.
//
// Failures. A measurement error is a failed attempt: the worker naks the job with a
// delay so that it is retried (by any worker of the class) and, on the last allowed
// delivery, writes a failed Record with the error and terminates the job. A worker
// that dies or stops sending progress loses its delivery after AckWait and the job is
// redelivered; when no delivery is left, the server's max-deliveries advisory makes
// the coordinator write the failed Record. A failed Record is final: a resumed run
// does not retry it.
package fleet
