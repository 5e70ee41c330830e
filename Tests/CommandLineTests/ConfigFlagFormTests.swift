import SystemIO
import Testing
@testable import vae_dist

/// `--config=FILE` is the same as `--config FILE` (ArgumentParser accepts
/// both), so the file is never silently ignored.
@Suite struct ConfigFlagFormTests {
    func config(_ json: String) throws -> String {
        let path = "/tmp/vae-dist-config-\(UInt64.random(in: 0...UInt64.max)).json"
        try Files.writeAtomically(Array(json.utf8), to: path)
        return path
    }

    @Test func theEqualsFormReadsTheFile() throws {
        let path = try config(#"{"latent": 3, "hidden": "12"}"#)
        let separated = try ConfigFile.expand(["train", "--config", path, "--epochs", "1"])
        let joined = try ConfigFile.expand(["train", "--config=\(path)", "--epochs", "1"])
        #expect(joined == separated)
        #expect(joined == ["train", "--hidden", "12", "--latent", "3", "--epochs", "1"])
        let parsed = try #require(try VAEDist.parseAsRoot(joined) as? Train)
        #expect(parsed.settings.contains { $0.name == "--latent" && $0.value == "3" })
    }

    @Test func bothFormsTogetherAreGivenTwiceAndAnEmptyOneIsRefused() throws {
        let path = try config(#"{"latent": 3}"#)
        #expect(throws: ConfigFile.ConfigError.self) { try ConfigFile.expand(["train", "--config=\(path)", "--config", path]) }
        #expect(throws: ConfigFile.ConfigError.self) { try ConfigFile.expand(["train", "--config="]) }
        #expect(throws: ConfigFile.ConfigError.self) { try ConfigFile.expand(["train", "--config=/nonexistent/c.json"]) }
        // After "--" nothing is a flag.
        #expect(try ConfigFile.expand(["train", "--", "--config=\(path)"]) == ["train", "--", "--config=\(path)"])
    }
}
