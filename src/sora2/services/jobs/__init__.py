"""The job lifecycle: everything that moves a video from `queued` to `completed` or `failed`.

Read it in this order (docs/architecture.md draws it):

- `lifecycle.JobLifecycle`: a request records a new video leased to its process and sends it
  (`start`), or removes one everywhere (`discard`).
- `tracker.Tracker`: the loop of every server process; it leases due videos from the `JobQueue`
  and hands each to the step that moves it on:
  - `submit.Submitter` sends a queued video upstream once `admission.Admission` gives it a slot,
    and finds a create whose answer was lost instead of sending it twice;
  - `sweep.StatusSweep` reads every submitted video at once (`reading.StatusReader`: list pages,
    then single retrieves) and writes what changed;
  - `finish.Finisher` copies a finished job's files into storage and completes the video.
- `verdict.judge`: what any answer from upstream (a job, or the error raised) means for the
  row: one pure function used by every step above, with `timing.Timing` for when to look again.
- `writer.JobWriter`: every write, under the process's lease, and the `video_update` event.
- `webhooks`: a provider's signed webhook makes its video due now; `registry`: the providers by
  name; `liveness`: the lock files that tell a restarted process whose leases it may retake.
"""
