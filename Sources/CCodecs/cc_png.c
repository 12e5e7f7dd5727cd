// PNG through libpng 1.6, made safe for untrusted bytes: custom error and
// warning functions (libpng's defaults print to stderr), a longjmp target set
// in every function that calls libpng, reads from memory that fail cleanly at
// the end of the data, and the declared size vetted before any row exists.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include "codecs.h"
#include "internal.h"

/// Error context shared by reading and writing; libpng hands it back to the
/// error and warning callbacks.
typedef struct {
    jmp_buf jump;
    cc_status *status;
    int failed;              ///< a fatal error has been recorded
} cc_png_ctx;

static void cc_png_error(png_structp png, png_const_charp msg) {
    cc_png_ctx *ctx = png_get_error_ptr(png);
    ctx->failed = 1;
    cc_set_message(ctx->status, msg);
    longjmp(ctx->jump, 1);
}

/// Warnings (bad ancillary CRCs, odd ICC profiles) do not spoil the pixels;
/// count them, keep the text, print nothing.
static void cc_png_warning(png_structp png, png_const_charp msg) {
    cc_png_ctx *ctx = png_get_error_ptr(png);
    ctx->status->warnings++;
    if (!ctx->failed) cc_set_message(ctx->status, msg);
}

// MARK: decoding

struct cc_png_decoder {
    cc_png_ctx ctx;
    const uint8_t *data;
    size_t len, pos;
    int ran_out;             ///< the reader hit the end of the data
    png_structp png;
    png_infop info;
    int mode, channels, interlaced;
    int wide16;              ///< raw mode on 16-bit gray: narrowed by us
    int rows_done;           ///< every pixel row is in; later failures are trailing damage
    uint32_t width, height;
    size_t rowbytes;
    uint8_t *row;            ///< one-row scratch for validation without pixels
    uint8_t *scratch;        ///< whole-image scratch (16-bit raw, interlaced validation)
    png_bytep *rows;
};

static void cc_png_read_mem(png_structp png, png_bytep out, size_t n) {
    cc_png_decoder *dec = png_get_io_ptr(png);
    if (n > dec->len - dec->pos) {
        dec->ran_out = 1;
        dec->ctx.status->eof = 1;
        png_error(png, "PNG data ends before the image does");
    }
    memcpy(out, dec->data + dec->pos, n);
    dec->pos += n;
}

void cc_png_decoder_free(cc_png_decoder *dec) {
    if (dec == NULL) return;
    if (dec->png != NULL) png_destroy_read_struct(&dec->png, &dec->info, NULL);
    free(dec->row);
    free(dec->scratch);
    free(dec->rows);
    free(dec);
}

static int cc_png_color(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return CC_COLOR_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return CC_COLOR_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB: return CC_COLOR_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA: return CC_COLOR_RGBA;
    case PNG_COLOR_TYPE_PALETTE: return CC_COLOR_PALETTE;
    default: return CC_COLOR_UNKNOWN;
    }
}

/// Sets up libpng's transforms for the requested output; returns 0 when raw
/// mode cannot represent the image, else nonzero.
static int cc_png_transforms(cc_png_decoder *dec, int color_type, int bit_depth, int has_trns) {
    png_structp png = dec->png;
    if (dec->mode == CC_PNG_RAW) {
        // Class-index masks: keep the numbers as stored, never rescale them.
        if (color_type == PNG_COLOR_TYPE_RGB || color_type == PNG_COLOR_TYPE_RGB_ALPHA) return 0;
        if (bit_depth < 8) png_set_packing(png);
        if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_strip_alpha(png);
        if (bit_depth == 16) dec->wide16 = 1; // narrowed by us, see cc_png_decoder_read
        return 1;
    }
    // png_set_palette_to_rgb also turns tRNS into alpha; the channel count
    // is therefore read back from libpng after png_read_update_info.
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (dec->mode == CC_PNG_AUTO && has_trns) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    if (dec->mode == CC_PNG_RGB) png_set_strip_alpha(png); // runs after the expansions
    return 3;
}

int cc_png_decoder_open(const uint8_t *data, size_t len, int mode, cc_limits limits,
                        cc_png_decoder **out_decoder, cc_header *out,
                        int *channels, cc_status *status) {
    *out_decoder = NULL;
    *channels = 0;
    memset(out, 0, sizeof *out);
    if (data == NULL || len == 0 || mode < CC_PNG_RGB || mode > CC_PNG_RAW) {
        cc_set_message(status, "no PNG data or unknown decode mode");
        return CC_ERR_ARGUMENT;
    }
    cc_png_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL) {
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    dec->ctx.status = status;
    dec->data = data;
    dec->len = len;
    dec->mode = mode;
    dec->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &dec->ctx, cc_png_error, cc_png_warning);
    if (dec->png == NULL) {
        cc_png_decoder_free(dec);
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    if (setjmp(dec->ctx.jump)) {
        int rc = dec->ran_out ? CC_ERR_TRUNCATED : CC_ERR_CORRUPT;
        cc_png_decoder_free(dec);
        return rc;
    }
    dec->info = png_create_info_struct(dec->png);
    if (dec->info == NULL) png_error(dec->png, "out of memory");
    // Let libpng accept any legal size; our own limits below give the
    // better message (the declared size) and apply to JPEG alike.
    png_set_user_limits(dec->png, 0x7fffffffU, 0x7fffffffU);
    png_set_read_fn(dec->png, dec, cc_png_read_mem);
    png_read_info(dec->png, dec->info);

    png_uint_32 w = 0, h = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(dec->png, dec->info, &w, &h, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = w;
    out->height = h;
    out->components = png_get_channels(dec->png, dec->info);
    out->color = cc_png_color(color_type);
    out->bit_depth = bit_depth;
    out->progressive = interlace != PNG_INTERLACE_NONE;
    out->out_width = w;
    out->out_height = h;
    int rc = cc_check_limits(w, h, limits, status);
    if (rc != CC_OK) {
        cc_png_decoder_free(dec);
        return rc;
    }
    int has_trns = png_get_valid(dec->png, dec->info, PNG_INFO_tRNS) != 0;
    dec->channels = cc_png_transforms(dec, color_type, bit_depth, has_trns);
    if (dec->channels == 0) {
        cc_set_message(status, "colour PNG is not a class-index mask; masks must be palette or grayscale");
        cc_png_decoder_free(dec);
        return CC_ERR_UNSUPPORTED;
    }
    dec->interlaced = png_set_interlace_handling(dec->png) > 1;
    png_read_update_info(dec->png, dec->info);
    dec->width = w;
    dec->height = h;
    dec->channels = png_get_channels(dec->png, dec->info);
    int wanted = dec->mode == CC_PNG_RAW ? (dec->channels == 1)
               : dec->mode == CC_PNG_RGB ? (dec->channels == 3)
               : (dec->channels == 3 || dec->channels == 4);
    dec->rowbytes = png_get_rowbytes(dec->png, dec->info);
    size_t expect = (size_t)w * (size_t)dec->channels * (dec->wide16 ? 2 : 1);
    if (!wanted || dec->rowbytes != expect) {
        cc_set_message(status, "PNG row layout differs from what the transforms should give");
        cc_png_decoder_free(dec);
        return CC_ERR_UNSUPPORTED;
    }
    *channels = dec->channels;
    *out_decoder = dec;
    return CC_OK;
}

int cc_png_decoder_read(cc_png_decoder *dec, uint8_t *dst, size_t dst_len, cc_status *status) {
    if (dec == NULL) {
        cc_set_message(status, "no decoder");
        return CC_ERR_ARGUMENT;
    }
    size_t out_size = (size_t)dec->width * dec->height * (size_t)dec->channels;
    if (dst != NULL && dst_len < out_size) {
        cc_set_message(status, "destination buffer too small");
        return CC_ERR_ARGUMENT;
    }
    dec->ctx.status = status;
    if (setjmp(dec->ctx.jump)) {
        if (dec->rows_done) {
            // Every row decoded; only what follows the pixels (CRCs, IEND)
            // is missing or bad. Keep the image but report the damage.
            if (!dec->ran_out) status->damaged = 1;
            return CC_OK;
        }
        return dec->ran_out ? CC_ERR_TRUNCATED : CC_ERR_CORRUPT;
    }
    uint8_t *target = dec->wide16 ? NULL : dst;
    if (dec->wide16 || (dst == NULL && dec->interlaced)) {
        dec->scratch = malloc(dec->rowbytes * dec->height);
        if (dec->scratch == NULL) png_error(dec->png, "out of memory");
        target = dec->scratch;
    }
    if (target == NULL) {
        // Validation only: stream the rows through one buffer.
        dec->row = malloc(dec->rowbytes);
        if (dec->row == NULL) png_error(dec->png, "out of memory");
        for (uint32_t y = 0; y < dec->height; y++) png_read_row(dec->png, dec->row, NULL);
    } else {
        dec->rows = malloc(sizeof(png_bytep) * dec->height);
        if (dec->rows == NULL) png_error(dec->png, "out of memory");
        for (uint32_t y = 0; y < dec->height; y++) dec->rows[y] = target + dec->rowbytes * y;
        png_read_image(dec->png, dec->rows);
    }
    if (dec->wide16 && dst != NULL) {
        // 16-bit masks usually hold small class ids; narrow them only when
        // that loses nothing.
        // PNG stores 16-bit samples big-endian.
        const uint8_t *wide = dec->scratch;
        size_t n = (size_t)dec->width * dec->height;
        for (size_t i = 0; i < n; i++) {
            unsigned v = ((unsigned)wide[2 * i] << 8) | wide[2 * i + 1];
            if (v > 255) {
                snprintf(status->message, sizeof status->message,
                         "16-bit mask holds value %u; class ids above 255 are not supported", v);
                return CC_ERR_UNSUPPORTED;
            }
            dst[i] = (uint8_t)v;
        }
    }
    dec->rows_done = 1;
    png_read_end(dec->png, NULL);
    return CC_OK;
}

int cc_png_decoder_palette(cc_png_decoder *dec, uint8_t *rgb) {
    png_colorp palette = NULL;
    int count = 0;
    if (dec == NULL || !png_get_valid(dec->png, dec->info, PNG_INFO_PLTE)) return 0;
    if (png_get_PLTE(dec->png, dec->info, &palette, &count) == 0 || palette == NULL) return 0;
    if (count > 256) count = 256;
    for (int i = 0; i < count; i++) {
        rgb[3 * i] = palette[i].red;
        rgb[3 * i + 1] = palette[i].green;
        rgb[3 * i + 2] = palette[i].blue;
    }
    return count;
}

int cc_png_read_header(const uint8_t *data, size_t len, cc_limits limits,
                       cc_header *out, cc_status *status) {
    cc_png_decoder *dec = NULL;
    int channels = 0;
    int rc = cc_png_decoder_open(data, len, CC_PNG_AUTO, limits, &dec, out, &channels, status);
    cc_png_decoder_free(dec);
    return rc;
}

// MARK: encoding

typedef struct {
    cc_png_ctx ctx;          ///< first, so the error callbacks find it
    png_structp png;
    png_infop info;
    uint8_t *buf;
    size_t cap, len;
    png_bytep *rows;
} cc_png_writer;

static void cc_png_write_mem(png_structp png, png_bytep data, size_t n) {
    cc_png_writer *w = png_get_io_ptr(png);
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 65536;
        while (cap - w->len < n) cap *= 2;
        uint8_t *bigger = realloc(w->buf, cap);
        if (bigger == NULL) png_error(png, "out of memory");
        w->buf = bigger;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, data, n);
    w->len += n;
}

static void cc_png_flush_mem(png_structp png) { (void)png; }

int cc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                  int channels, const uint8_t *palette_rgb, int palette_count,
                  uint8_t **out_data, size_t *out_len, cc_status *status) {
    *out_data = NULL;
    *out_len = 0;
    int color_type;
    switch (channels) {
    case 1: color_type = palette_rgb ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_GRAY; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        cc_set_message(status, "PNG encode needs 1, 3 or 4 channels");
        return CC_ERR_ARGUMENT;
    }
    if (pixels == NULL || width == 0 || height == 0 ||
        (palette_rgb != NULL && (palette_count < 1 || palette_count > 256))) {
        cc_set_message(status, "PNG encode needs pixels, a nonzero size and 1..256 palette entries");
        return CC_ERR_ARGUMENT;
    }
    cc_png_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    w->ctx.status = status;
    w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w->ctx, cc_png_error, cc_png_warning);
    if (w->png == NULL) {
        free(w);
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    if (setjmp(w->ctx.jump)) {
        png_destroy_write_struct(&w->png, &w->info);
        free(w->buf);
        free(w->rows);
        free(w);
        return CC_ERR_CORRUPT;
    }
    w->info = png_create_info_struct(w->png);
    if (w->info == NULL) png_error(w->png, "out of memory");
    png_set_write_fn(w->png, w, cc_png_write_mem, cc_png_flush_mem);
    png_set_IHDR(w->png, w->info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color palette[256];
        for (int i = 0; i < palette_count; i++) {
            palette[i].red = palette_rgb[3 * i];
            palette[i].green = palette_rgb[3 * i + 1];
            palette[i].blue = palette_rgb[3 * i + 2];
        }
        png_set_PLTE(w->png, w->info, palette, palette_count);
    }
    w->rows = malloc(sizeof(png_bytep) * height);
    if (w->rows == NULL) png_error(w->png, "out of memory");
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) w->rows[y] = (png_bytep)(pixels + stride * y);
    png_write_info(w->png, w->info);
    png_write_image(w->png, w->rows);
    png_write_end(w->png, NULL);
    *out_data = w->buf;
    *out_len = w->len;
    png_destroy_write_struct(&w->png, &w->info);
    free(w->rows);
    free(w);
    return CC_OK;
}
