// C side of AIArtsImaging. libjpeg and libpng report fatal errors by calling an
// error function that must not return; the only safe way out is longjmp, and a
// longjmp must never cross Swift frames. So every call into those libraries
// happens inside these functions, each of which sets its own setjmp first.
// libwebp returns status codes instead; it is wrapped here too so that all
// three formats share the limits check and the result codes.
// Nothing here ever writes to stdout or stderr, and nothing calls exit().
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes shared by every function below.
enum {
    CC_OK = 0,
    CC_ERR_CORRUPT = 1,     ///< the library gave up on the data; see message
    CC_ERR_TRUNCATED = 2,   ///< the data ended before the image did
    CC_ERR_TOO_LARGE = 3,   ///< declared size exceeds the caller's limits
    CC_ERR_NOMEM = 4,       ///< an allocation failed
    CC_ERR_UNSUPPORTED = 5, ///< well-formed but a kind we do not decode
    CC_ERR_ARGUMENT = 6,    ///< the caller passed something impossible
};

/// Colour models as stored in the file (not what we decode to).
enum {
    CC_COLOR_UNKNOWN = 0,
    CC_COLOR_GRAY = 1,
    CC_COLOR_RGB = 2,
    CC_COLOR_YCBCR = 3,
    CC_COLOR_CMYK = 4,
    CC_COLOR_YCCK = 5,
    CC_COLOR_GRAY_ALPHA = 6,
    CC_COLOR_RGBA = 7,
    CC_COLOR_PALETTE = 8,
};

/// What happened during a call: the fatal message if any, and the warnings
/// the library raised. Warnings matter: libjpeg recovers from truncated or
/// damaged data by filling grey and carrying on, so "success" alone does not
/// mean the pixels are real.
typedef struct {
    int warnings;        ///< total warnings
    int eof;             ///< the data ended early (JPEG: JWRN_JPEG_EOF)
    int damaged;         ///< a warning that means the entropy data is corrupt
    char message[200];   ///< last error, else last warning, else ""
} cc_status;

/// Refuse images whose declared size is absurd before any pixel memory exists.
typedef struct {
    uint32_t max_side;     ///< largest width or height accepted
    uint64_t max_pixels;   ///< largest width * height accepted
} cc_limits;

typedef struct {
    uint32_t width, height;   ///< stored (full-size) dimensions
    int components;           ///< components in the file
    int color;                ///< CC_COLOR_*
    int bit_depth;            ///< 8 for JPEG; PNG bit depth
    int progressive;          ///< JPEG progressive / PNG interlaced
    int adobe;                ///< JPEG carried an Adobe APP14 marker
    uint32_t out_width, out_height; ///< after scaling (JPEG decoder only)
    int animated;             ///< WebP animation: width/height are the canvas
    int lossless;             ///< WebP VP8L (lossless) bitstream
} cc_header;

// MARK: JPEG

/// Reads only the header. Returns CC_ERR_TOO_LARGE (header still filled in)
/// when the declared size breaks the limits.
int cc_jpeg_read_header(const uint8_t *data, size_t len, cc_limits limits,
                        cc_header *out, cc_status *status);

/// A decoder in two steps so the caller can allocate exactly out_width *
/// out_height * 3 bytes after the size has been vetted: open, then read.
typedef struct cc_jpeg_decoder cc_jpeg_decoder;

/// scale_denom is 1, 2, 4 or 8. On success *out_decoder must be released
/// with cc_jpeg_decoder_free, also when the later read fails.
int cc_jpeg_decoder_open(const uint8_t *data, size_t len, int scale_denom,
                         cc_limits limits, cc_jpeg_decoder **out_decoder,
                         cc_header *out, cc_status *status);
/// Changes the scale after open, before read (libjpeg allows recomputing the
/// output size until decompression starts). Updates out_width/out_height.
int cc_jpeg_decoder_set_scale(cc_jpeg_decoder *dec, int scale_denom, cc_header *out,
                              cc_status *status);
/// Writes out_height rows of out_width RGB triples into dst (dst_len bytes).
/// Grayscale is expanded; CMYK/YCCK (Adobe-inverted or not) become RGB.
int cc_jpeg_decoder_read_rgb(cc_jpeg_decoder *dec, uint8_t *dst, size_t dst_len,
                             cc_status *status);
void cc_jpeg_decoder_free(cc_jpeg_decoder *dec);

/// Encodes packed 8-bit pixels. components: 1 (gray), 3 (RGB), or 4 (CMYK,
/// test fixtures). For 4, adobe != 0 writes an Adobe marker and expects the
/// pixels already inverted as Adobe applications store them; adobe == 0 writes
/// plain CMYK without the marker. *out_data is malloc'd; release with cc_free.
int cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                   int components, int quality, int adobe,
                   uint8_t **out_data, size_t *out_len, cc_status *status);

// MARK: PNG

int cc_png_read_header(const uint8_t *data, size_t len, cc_limits limits,
                       cc_header *out, cc_status *status);

/// Decode modes for cc_png_decode.
enum {
    CC_PNG_RGB = 0,   ///< always 3 channels (alpha stripped)
    CC_PNG_AUTO = 1,  ///< 4 channels when the image has alpha or tRNS, else 3
    CC_PNG_RAW = 2,   ///< 1 channel: palette index or gray value, unscaled
};

/// Two steps, like JPEG: cc_png_decoder_open reads the header and vets it,
/// reporting out channels in *channels; cc_png_decoder_read fills dst.
/// dst may be NULL to validate the whole stream without keeping pixels.
typedef struct cc_png_decoder cc_png_decoder;
int cc_png_decoder_open(const uint8_t *data, size_t len, int mode, cc_limits limits,
                        cc_png_decoder **out_decoder, cc_header *out,
                        int *channels, cc_status *status);
int cc_png_decoder_read(cc_png_decoder *dec, uint8_t *dst, size_t dst_len,
                        cc_status *status);
/// Palette of the image (CC_PNG_RAW on a palette PNG), up to 256 RGB triples.
/// Returns the number of entries copied into rgb (768 bytes).
int cc_png_decoder_palette(cc_png_decoder *dec, uint8_t *rgb);
void cc_png_decoder_free(cc_png_decoder *dec);

/// Encodes 8-bit pixels. channels: 1 (gray or, with a palette, indices),
/// 3 (RGB), 4 (RGBA). palette_rgb holds palette_count RGB triples or is NULL.
int cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                  int channels, const uint8_t *palette_rgb, int palette_count,
                  uint8_t **out_data, size_t *out_len, cc_status *status);

// MARK: WebP

/// Reads only the RIFF header and the first image chunk's header (VP8, VP8L
/// or VP8X): a few dozen bytes. For an animation the size is the canvas.
/// Returns CC_ERR_TOO_LARGE (header still filled in) over the limits.
int cc_webp_read_header(const uint8_t *data, size_t len, cc_limits limits,
                        cc_header *out, cc_status *status);

/// Decodes into dst, out_width * out_height * channels bytes (channels 3 or
/// 4: RGB or RGBA). out_width/out_height equal to the stored size decode at
/// full size; smaller ones are produced by libwebp's scaler while decoding.
/// An animation yields its first frame placed on the canvas (transparent, or
/// black without alpha, where the frame does not cover it), at full size only.
/// The caller vets the size with cc_webp_read_header first; this checks again.
int cc_webp_decode(const uint8_t *data, size_t len, cc_limits limits, int channels,
                   uint32_t out_width, uint32_t out_height,
                   uint8_t *dst, size_t dst_len, cc_status *status);

/// Decodes the whole stream (every frame of an animation) at about 1/8 size
/// to find damage without holding a full-size image.
int cc_webp_check(const uint8_t *data, size_t len, cc_limits limits,
                  cc_header *out, cc_status *status);

/// Encodes 8-bit RGB (channels 3) or RGBA (4). quality 0...100 is lossy;
/// a negative quality is lossless. *out_data is malloc'd; release with cc_free.
int cc_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                   int channels, int quality,
                   uint8_t **out_data, size_t *out_len, cc_status *status);

void cc_free(void *p);

#ifdef __cplusplus
}
#endif
