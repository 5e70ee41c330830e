/// Where rank 0 of `vae-dist eval` shows how far the evaluation is (a bar
/// on a terminal, a line now and then in a log). The evaluation runs in
/// phases (the ELBO, then the importance-weighted bound), each in rounds:
/// one chunk or image per rank.
public protocol EvaluationProgress: AnyObject {
    /// `done` of `total` rounds of `phase` are finished.
    func advanced(phase: String, done: Int, total: Int)
    /// Every round of `phase` is finished.
    func phaseFinished(_ phase: String)
}
