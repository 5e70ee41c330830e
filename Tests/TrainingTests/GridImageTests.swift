import Testing
@testable import Evaluation

/// Pictures of a diverged model: no pixel value traps its conversion.
extension GridImageTests {
    /// A NaN pixel (a diverged decoder) is drawn, not trapped on.
    @Test func aNaNPixelDoesNotTrap() {
        let image = GridImage.grid(tiles: [[.nan, .infinity, -.infinity, 0.5]], tileWidth: 2, tileHeight: 2, columns: 1)
        #expect(image.pixels.count == image.width * image.height)
    }
}
