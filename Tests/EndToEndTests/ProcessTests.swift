import Testing

/// Every test that launches `vae-dist` (alone or under mpirun) lives in a
/// suite nested here, so the whole group runs one job at a time: the jobs
/// share the machine's cores, and two at once would make each other slow
/// enough to hit their timeouts.
@Suite(.serialized) enum ProcessTests {}
