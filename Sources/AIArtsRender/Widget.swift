/// Anything that can draw itself into an area of a buffer. Widgets are values built fresh for each
/// frame from state; they hold no terminal and no state of their own between frames.
public protocol Widget {
    func render(in area: Rect, buffer: inout Buffer)
}

extension Buffer {
    /// `widget.render(in: area, buffer: &self)`, reading in the order things are drawn.
    public mutating func render(_ widget: some Widget, in area: Rect) {
        widget.render(in: area, buffer: &self)
    }
}
