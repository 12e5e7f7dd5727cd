// Image codecs: see JPEG.swift and PNG.swift.
