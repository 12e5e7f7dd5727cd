import Testing
@testable import AIArtsTrain
@Test func stub() {}
