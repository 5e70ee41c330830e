import ArgumentParser
import Testing
@testable import vae_dist

/// What ranks compare before a job starts, and how a difference is named.
@Suite struct FlagAgreementTests {
    /// Every setting read from the property wrappers is spelled as a real
    /// flag: a property whose flag is named differently and is missing from
    /// `flagNames` would be compared under a name no user typed.
    @Test func everySettingIsNamedAsItsFlag() throws {
        let train = try Train.parse([])
        for setting in train.settings {
            #expect(Train.helpMessage().contains(setting.name + " "), "\(setting.name) is not a flag of train")
        }
        #expect(train.settings.count >= 24, "every train flag is compared: \(train.settings.map(\.name))")
        let eval = try Eval.parse(["model.safetensors"])
        for setting in eval.settings where setting.name.hasPrefix("--") {
            #expect(Eval.helpMessage().contains(setting.name + " ") || Eval.helpMessage().contains(setting.name + "\n"),
                    "\(setting.name) is not a flag of eval")
        }
        #expect(eval.settings.contains(Setting(name: "checkpoint", value: "model.safetensors")))
    }

    @Test func valuesAreRenderedAsTheUserTypesThem() throws {
        let train = try Train.parse(["--lr", "0.01", "--hidden", "128,64", "--recon", "mse", "--init", "w.safetensors"])
        let settings = Dictionary(uniqueKeysWithValues: train.settings.map { ($0.name, $0.value) })
        #expect(settings["--lr"] == "0.01" && settings["--hidden"] == "128,64" && settings["--recon"] == "mse")
        #expect(settings["--init"] == "w.safetensors" && settings["--max-steps"] == .some(nil))
        #expect(settings["--data"] != nil, "option groups are expanded")
    }

    @Test func oneChangedSettingChangesTheDigestAndIsNamed() throws {
        let ours = try Train.parse(["--lr", "0.001"]).settings, theirs = try Train.parse(["--lr", "0.01"]).settings
        let a = FlagAgreement.canonical(command: "train", ours), b = FlagAgreement.canonical(command: "train", theirs)
        #expect(FlagAgreement.digest(a) != FlagAgreement.digest(b))
        #expect(FlagAgreement.decode(b) == [Setting(name: "vae-dist", value: VAEDist.version), Setting(name: "vae-dist", value: "train")] + theirs)
        #expect(FlagAgreement.difference(rank: 1, theirs: FlagAgreement.decode(b), ours: FlagAgreement.decode(a))
            .hasPrefix("rank 1 was started with --lr 0.01, rank 0 with --lr 0.001"))
        let unset = try Train.parse([]).settings, set = try Train.parse(["--max-steps", "4"]).settings
        #expect(FlagAgreement.difference(rank: 2, theirs: set, ours: unset).hasPrefix("rank 2 was started with --max-steps 4, rank 0 without --max-steps"))
    }
}
