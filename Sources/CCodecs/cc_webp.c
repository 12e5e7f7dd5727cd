// WebP through libwebp, made as safe for untrusted bytes as the JPEG and PNG
// paths: libwebp reports errors by status code (no longjmp, no printing), so
// the work here is to vet the declared size before any pixel memory exists
// (WebPGetFeatures reads only the headers), to turn status codes into our
// result codes, and to decode into memory the caller sized from that header.
// Animations (VP8X with ANMF frames) go through libwebpdemux: the first frame
// is what a still-image reader shows, and checking walks every frame.
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include "codecs.h"
#include "internal.h"

/// Our result code for a libwebp status, with a message saying what failed.
static int cc_webp_failure(VP8StatusCode code, const char *what, cc_status *status) {
    const char *text;
    int rc;
    switch (code) {
    case VP8_STATUS_OUT_OF_MEMORY: text = "out of memory"; rc = CC_ERR_NOMEM; break;
    case VP8_STATUS_INVALID_PARAM: text = "invalid decoder parameters"; rc = CC_ERR_ARGUMENT; break;
    case VP8_STATUS_UNSUPPORTED_FEATURE: text = "uses a feature libwebp does not decode"; rc = CC_ERR_UNSUPPORTED; break;
    case VP8_STATUS_NOT_ENOUGH_DATA:
        text = "data ends before the image does";
        rc = CC_ERR_TRUNCATED;
        if (status != NULL) status->eof = 1;
        break;
    case VP8_STATUS_BITSTREAM_ERROR: text = "bitstream error"; rc = CC_ERR_CORRUPT; break;
    default: text = "decoding failed"; rc = CC_ERR_CORRUPT; break;
    }
    if (status != NULL) snprintf(status->message, sizeof status->message, "%s: %s", what, text);
    return rc;
}

/// Fills the header from WebPGetFeatures and checks it against the limits.
static int cc_webp_features(const uint8_t *data, size_t len, cc_limits limits,
                            WebPBitstreamFeatures *features, cc_header *out, cc_status *status) {
    memset(out, 0, sizeof *out);
    if (data == NULL || len == 0) {
        cc_set_message(status, "no WebP data");
        return CC_ERR_ARGUMENT;
    }
    VP8StatusCode code = WebPGetFeatures(data, len, features);
    if (code != VP8_STATUS_OK) return cc_webp_failure(code, "WebP header", status);
    if (features->width <= 0 || features->height <= 0) {
        cc_set_message(status, "image declares a zero width or height");
        return CC_ERR_CORRUPT;
    }
    out->width = (uint32_t)features->width;
    out->height = (uint32_t)features->height;
    out->components = features->has_alpha ? 4 : 3;
    // Lossy WebP stores VP8's YUV 4:2:0 (plus an alpha plane); lossless stores ARGB.
    out->color = features->has_alpha ? CC_COLOR_RGBA : features->format == 2 ? CC_COLOR_RGB : CC_COLOR_YCBCR;
    out->bit_depth = 8;
    out->animated = features->has_animation ? 1 : 0;
    out->lossless = features->format == 2 ? 1 : 0;
    out->out_width = out->width;
    out->out_height = out->height;
    return cc_check_limits(out->width, out->height, limits, status);
}

int cc_webp_read_header(const uint8_t *data, size_t len, cc_limits limits,
                        cc_header *out, cc_status *status) {
    WebPBitstreamFeatures features;
    return cc_webp_features(data, len, limits, &features, out, status);
}

/// Decodes one still bitstream (a whole file, or one animation frame's data)
/// at out_w x out_h. With dst NULL libwebp allocates the output and it is
/// freed at once (validation); otherwise rows go to dst, stride bytes apart.
static int cc_webp_decode_still(const uint8_t *data, size_t len, int channels, int in_w, int in_h,
                                int out_w, int out_h, uint8_t *dst, size_t stride, const char *what,
                                cc_status *status) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        cc_set_message(status, "libwebp version mismatch");
        return CC_ERR_UNSUPPORTED;
    }
    VP8StatusCode code = WebPGetFeatures(data, len, &config.input);
    if (code != VP8_STATUS_OK) return cc_webp_failure(code, what, status);
    if (config.input.width != in_w || config.input.height != in_h) {
        snprintf(status->message, sizeof status->message, "%s: bitstream is %dx%d, the header said %dx%d",
                 what, config.input.width, config.input.height, in_w, in_h);
        return CC_ERR_CORRUPT;
    }
    if (out_w != in_w || out_h != in_h) {
        config.options.use_scaling = 1;
        config.options.scaled_width = out_w;
        config.options.scaled_height = out_h;
    }
    config.output.colorspace = channels == 4 ? MODE_RGBA : MODE_RGB;
    if (dst != NULL) {
        config.output.is_external_memory = 1;
        config.output.u.RGBA.rgba = dst;
        config.output.u.RGBA.stride = (int)stride;
        config.output.u.RGBA.size = stride * (size_t)(out_h - 1) + (size_t)out_w * (size_t)channels;
    }
    code = WebPDecode(data, len, &config);
    WebPFreeDecBuffer(&config.output); // frees only what libwebp allocated
    return code == VP8_STATUS_OK ? CC_OK : cc_webp_failure(code, what, status);
}

/// Opens an animation fully parsed, with `it` on its first frame; NULL with the result code in
/// *rc otherwise. The caller releases `it` and deletes the demuxer.
static WebPDemuxer *cc_webp_first_frame(const uint8_t *data, size_t len, cc_header *header,
                                        WebPIterator *it, int *rc, cc_status *status) {
    WebPData whole = { data, len };
    WebPDemuxState state = WEBP_DEMUX_PARSING_HEADER;
    WebPDemuxer *demux = WebPDemuxPartial(&whole, &state);
    if (demux == NULL || state != WEBP_DEMUX_DONE) {
        WebPDemuxDelete(demux);
        if (state == WEBP_DEMUX_PARSE_ERROR) {
            cc_set_message(status, "WebP animation: the frame chunks are malformed");
            *rc = CC_ERR_CORRUPT;
        } else {
            cc_set_message(status, "WebP animation: data ends before the last frame does");
            status->eof = 1;
            *rc = CC_ERR_TRUNCATED;
        }
        return NULL;
    }
    if (WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH) != header->width ||
        WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT) != header->height) {
        WebPDemuxDelete(demux);
        cc_set_message(status, "WebP animation: canvas size differs from the header's");
        *rc = CC_ERR_CORRUPT;
        return NULL;
    }
    if (!WebPDemuxGetFrame(demux, 1, it)) {
        WebPDemuxDelete(demux);
        cc_set_message(status, "WebP animation has no frames");
        *rc = CC_ERR_CORRUPT;
        return NULL;
    }
    *rc = CC_OK;
    return demux;
}

/// A frame must lie inside the canvas; libwebpdemux checks this too, but the
/// pointer arithmetic below depends on it, so it is checked where it is used.
static int cc_webp_frame_fits(const WebPIterator *it, const cc_header *h, cc_status *status) {
    if (it->width <= 0 || it->height <= 0 || it->x_offset < 0 || it->y_offset < 0 ||
        (uint64_t)it->x_offset + (uint64_t)it->width > h->width ||
        (uint64_t)it->y_offset + (uint64_t)it->height > h->height) {
        snprintf(status->message, sizeof status->message,
                 "WebP animation: frame %d (%dx%d at %d,%d) lies outside the %ux%u canvas",
                 it->frame_num, it->width, it->height, it->x_offset, it->y_offset, h->width, h->height);
        return CC_ERR_CORRUPT;
    }
    return CC_OK;
}

int cc_webp_decode(const uint8_t *data, size_t len, cc_limits limits, int channels,
                   uint32_t out_width, uint32_t out_height,
                   uint8_t *dst, size_t dst_len, cc_status *status) {
    cc_header header;
    WebPBitstreamFeatures features;
    int rc = cc_webp_features(data, len, limits, &features, &header, status);
    if (rc != CC_OK) return rc;
    if (dst == NULL || (channels != 3 && channels != 4) || out_width == 0 || out_height == 0 ||
        out_width > header.width || out_height > header.height) {
        cc_set_message(status, "WebP decode needs a destination, 3 or 4 channels and a size within the image");
        return CC_ERR_ARGUMENT;
    }
    size_t stride = (size_t)out_width * (size_t)channels;
    if (dst_len < stride * out_height) {
        cc_set_message(status, "destination buffer too small");
        return CC_ERR_ARGUMENT;
    }
    if (!header.animated) {
        return cc_webp_decode_still(data, len, channels, (int)header.width, (int)header.height,
                                    (int)out_width, (int)out_height, dst, stride, "WebP", status);
    }
    if (out_width != header.width || out_height != header.height) {
        cc_set_message(status, "a WebP animation decodes at full size only");
        return CC_ERR_ARGUMENT;
    }
    WebPIterator it;
    WebPDemuxer *demux = cc_webp_first_frame(data, len, &header, &it, &rc, status);
    if (demux == NULL) return rc;
    rc = cc_webp_frame_fits(&it, &header, status);
    if (rc == CC_OK) {
        // The canvas starts transparent; the first frame, blended or not,
        // lands on it as it is.
        memset(dst, 0, stride * out_height);
        uint8_t *origin = dst + stride * (size_t)it.y_offset + (size_t)it.x_offset * (size_t)channels;
        rc = cc_webp_decode_still(it.fragment.bytes, it.fragment.size, channels, it.width, it.height,
                                  it.width, it.height, origin, stride, "WebP animation frame 1", status);
    }
    WebPDemuxReleaseIterator(&it);
    WebPDemuxDelete(demux);
    return rc;
}

/// About 1/8 of a side, at least 1: enough to run every macroblock through
/// the decoder while keeping the output small.
static int cc_webp_eighth(int side) { return side >= 8 ? (side + 7) / 8 : side; }

int cc_webp_check(const uint8_t *data, size_t len, cc_limits limits,
                  cc_header *out, cc_status *status) {
    WebPBitstreamFeatures features;
    int rc = cc_webp_features(data, len, limits, &features, out, status);
    if (rc != CC_OK) return rc;
    if (!out->animated) {
        int w = (int)out->width, h = (int)out->height;
        return cc_webp_decode_still(data, len, features.has_alpha ? 4 : 3, w, h, cc_webp_eighth(w),
                                    cc_webp_eighth(h), NULL, 0, "WebP", status);
    }
    WebPIterator it;
    WebPDemuxer *demux = cc_webp_first_frame(data, len, out, &it, &rc, status);
    if (demux == NULL) return rc;
    char what[48];
    do {
        rc = cc_webp_frame_fits(&it, out, status);
        if (rc != CC_OK) break;
        snprintf(what, sizeof what, "WebP animation frame %d", it.frame_num);
        rc = cc_webp_decode_still(it.fragment.bytes, it.fragment.size, it.has_alpha ? 4 : 3, it.width,
                                  it.height, cc_webp_eighth(it.width), cc_webp_eighth(it.height), NULL, 0,
                                  what, status);
    } while (rc == CC_OK && WebPDemuxNextFrame(&it));
    WebPDemuxReleaseIterator(&it);
    WebPDemuxDelete(demux);
    return rc;
}

int cc_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                   int channels, int quality,
                   uint8_t **out_data, size_t *out_len, cc_status *status) {
    *out_data = NULL;
    *out_len = 0;
    if (pixels == NULL || width == 0 || height == 0 || width > WEBP_MAX_DIMENSION ||
        height > WEBP_MAX_DIMENSION || (channels != 3 && channels != 4) || quality > 100) {
        snprintf(status->message, sizeof status->message,
                 "WebP encode needs 1..%d pixels per side, 3 or 4 channels and quality up to 100",
                 WEBP_MAX_DIMENSION);
        return CC_ERR_ARGUMENT;
    }
    int stride = (int)width * channels;
    uint8_t *encoded = NULL;
    size_t n;
    if (quality < 0) {
        n = channels == 4 ? WebPEncodeLosslessRGBA(pixels, (int)width, (int)height, stride, &encoded)
                          : WebPEncodeLosslessRGB(pixels, (int)width, (int)height, stride, &encoded);
    } else {
        n = channels == 4 ? WebPEncodeRGBA(pixels, (int)width, (int)height, stride, (float)quality, &encoded)
                          : WebPEncodeRGB(pixels, (int)width, (int)height, stride, (float)quality, &encoded);
    }
    if (n == 0 || encoded == NULL) {
        WebPFree(encoded);
        cc_set_message(status, "WebP encoding failed");
        return CC_ERR_NOMEM;
    }
    // Copied so that every buffer this module hands out is released by cc_free.
    *out_data = malloc(n);
    if (*out_data == NULL) {
        WebPFree(encoded);
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    memcpy(*out_data, encoded, n);
    *out_len = n;
    WebPFree(encoded);
    return CC_OK;
}
