/// What `aiarts --version` prints. Raised with each release (docs/cli-json.md names the JSON style
/// that goes with it).
public enum AIArtsVersion {
    public static let string = "0.11.0"
}
