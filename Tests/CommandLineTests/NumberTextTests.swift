import SystemIO
import Testing
@testable import vae_dist

/// Numbers as the epoch summary, progress lines and messages print them:
/// every Double prints, none traps (a diverged run's loss can be 1e+20).
@Suite struct NumberTextTests {
    @Test func ordinaryValuesKeepTheirDecimals() {
        #expect(format(3.14159, 2) == "3.14")
        #expect(format(-0.5, 0) == "-0" || format(-0.5, 0) == "-1")
        #expect(format(1234.5678, 3) == "1234.568")
        #expect(format(0.05, 2) == "0.05")
        #expect(percent(1, of: 4) == "25%")
        #expect(format(-Double.nan, 2) == "nan" && format(.infinity, 2) == "inf" && format(-.infinity, 2) == "-inf")
    }

    @Test(arguments: [1e19, 9.3e18, 0x1p53, -1e20, 1e300, -Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude,
                      .nan, .infinity, -.infinity, Double.leastNonzeroMagnitude])
    func extremesPrintWithoutTrapping(value: Double) {
        for digits in [0, 2, 3, 20, -1] {
            let text = format(value, digits)
            #expect(!text.isEmpty)
            if value.isFinite && abs(value) >= 1e18 { #expect(Double(text) == value, "\(text)") }
        }
        #expect(!percent(value, of: 1).isEmpty)
        #expect(!percent(1, of: value).isEmpty)
    }
}
