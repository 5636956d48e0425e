"""dlcourse: the instructor's side of the course (trainees only ever import ``dlbasics``).

A course is a folder with ``solutions/`` (nbgrader's source), ``notebooks/`` (the
release) and ``grading/nbgrader_config.py``; :mod:`~dlcourse.course` finds it
(``--course DIR``, ``$DLCOURSE_ROOT``, or the current folder and its parents) and its
``Course`` names the paths. Stock nbgrader works from ``grading/``; ``dlcourse`` adds
what it lacks.

How ``dlcourse autograde`` runs, process by process::

    dlcourse CLI ............................ cli (commands), autograde (tasks, report)
      └ worker pool: one thread per worker .. worker_pool (schedule, timeouts, restarts)
          └ worker process, one per thread .. worker (``python -m dlcourse.worker``)
              └ nbgrader's autograde converter, configured by grading/nbgrader_config.py
                → nbgrader_settings (every setting) and limits (timeout, memory, CPU,
                  output lines: defined once, read once per configuration)
                  └ preprocessors/ ........ one per module: tolerant_exporter,
                    inspect_submission, restore_cells, crash_proof_execute,
                    neutralise_markers, record_finished (grading_record: their shared
                    base); tampering finds np.allclose-style cheats before anything runs
                      └ limited kernel .... kernelspec (writes ``dlcourse-limited``) →
                        provisioner (a private folder, ipc sockets) → kernel_launcher
                        (``python -m dlcourse.kernel_launcher``: its folder, then bwrap
                        with the view bwrap builds: allowlist, no network, own uid,
                        limits, then ipykernel); kernel_users sweeps what a kernel
                        leaves behind

What each notebook went through is in ``grading/status/`` (grading_records), joined with
the gradebook into rows whose status is ``graded`` or ``needs attention: REASON``.

Other commands: ``release`` (release: nbgrader_runner's ``generate_assignment``, and a
staleness check in a scratch_course), ``collect`` (collect: LMS zips and folders into
``submitted/``), ``feedback`` (nbgrader_runner + feedback: no hidden-test line may leak),
``grades`` (grades_export: CSV with a status column, also for stock ``nbgrader
export``), ``demo`` (demo + simulated_submissions: the whole week in a scratch course),
``katakana score|leaderboard`` (katakana/: the project's scorer, a limited child
process per submission, an SQLite ledger of 3 a day, the leaderboard), ``katakana
serve|users`` (katakana/web/: the scoring website, its queue in the ledger and its
scoring threads; katakana/users: its accounts). authoring builds
nbgrader cells; gradebook reads one submission's per-cell scores.
"""
