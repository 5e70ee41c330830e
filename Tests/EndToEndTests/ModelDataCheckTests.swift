import Foundation
import Testing
import TestSupport
@testable import Checkpoints
@testable import RunDirectory

extension ProcessTests {
    /// Issue 20, item 8: the commands that read data with a trained model
    /// (`eval`, `encode`, `reconstruct`) check it as `train` checks its own:
    /// a NaN row, or values outside [0, 1] for a `bce` model trained without
    /// normalization, are refused in one line and nothing is written.
    @Suite struct ModelDataCheckTests {
        let directory: URL

        init() throws {
            directory = try TemporaryDirectory.make(prefix: "model-data")
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        @Test func modelCommandsRefuseDataTrainWouldRefuse() throws {
            python("""
                import numpy as np, sys
                rng = np.random.default_rng(3)
                x = rng.random((400, 8)).astype(np.float32)
                np.save(sys.argv[1], x)
                bad = x.copy(); bad[5, 2] = np.nan
                np.save(sys.argv[2], bad)
                np.save(sys.argv[3], (x * 60 - 30).astype(np.float32))
                """, [path("unit.npy"), path("nan.npy"), path("wide.npy")])
            let out = path("run")
            expectSuccess(Command.run(["train", "--data", path("unit.npy"), "--hidden", "16", "--latent", "3", "--batch-size", "40",
                                       "--max-steps", "3", "--images-every", "0", "--out", out]))
            let checkpoint = out + "/checkpoint-000000003.safetensors"
            expectSuccess(Command.run(["eval", checkpoint, "--data", path("unit.npy"), "--iw", "0"]))

            let nanEval = Command.mpirun(2, ["eval", checkpoint, "--data", path("nan.npy"), "--iw", "0"])
            #expect(nanEval.status == 1 && nanEval.error.contains("row 5 holds NaN or Inf"), "\(nanEval.combined)")
            #expect(!nanEval.output.contains("negative ELBO"), "\(nanEval.output)")
            #expect(nanEval.error.split(separator: "\n").filter { $0.contains("error:") }.count == 1, "said once: \(nanEval.error)")

            let wideEval = Command.run(["eval", checkpoint, "--data", path("wide.npy"), "--iw", "0"])
            #expect(wideEval.status == 1 && wideEval.error.contains("needs values in [0, 1]"), "\(wideEval.combined)")

            let latents = path("z.npy")
            let nanEncode = Command.mpirun(2, ["encode", checkpoint, "--data", path("nan.npy"), "--out", latents])
            #expect(nanEncode.status == 1 && nanEncode.error.contains("row 5 holds NaN or Inf"), "\(nanEncode.combined)")
            #expect(!FileManager.default.fileExists(atPath: latents), "nothing written")

            let picture = path("recon.npy")
            let wideReconstruct = Command.run(["reconstruct", checkpoint, "--data", path("wide.npy"), "--out", picture])
            #expect(wideReconstruct.status == 1 && wideReconstruct.error.contains("needs values in [0, 1]"), "\(wideReconstruct.combined)")
            #expect(!FileManager.default.fileExists(atPath: picture), "nothing written")
        }
    }
}
