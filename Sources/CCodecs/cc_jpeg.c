// JPEG through libjpeg(-turbo), made safe for untrusted bytes:
// - error_exit longjmps back into the function that called libjpeg, never exit();
// - output_message is a no-op, so libjpeg never writes to stderr;
// - warnings are counted and classified so the caller can tell a clean decode
//   from one libjpeg patched up with grey (truncated or damaged data);
// - the declared size is vetted right after the header, before
//   jpeg_start_decompress allocates anything proportional to it;
// - a progress monitor caps the number of progressive scans, which otherwise
//   lets a few kilobytes keep the decoder busy for minutes.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "codecs.h"
#include "internal.h"

/// Legitimate progressive files have around ten scans; this is far above that.
#define CC_JPEG_MAX_SCANS 1000

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    cc_status *status;
} cc_jpeg_error;

static void cc_jpeg_error_exit(j_common_ptr cinfo) {
    cc_jpeg_error *err = (cc_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->status->message);
    longjmp(err->jump, 1);
}

/// Never print. libjpeg calls this only via emit_message, which we replace too,
/// but a no-op here means no path to stderr remains.
static void cc_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void cc_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return; // trace messages: ignore
    cc_jpeg_error *err = (cc_jpeg_error *)cinfo->err;
    cc_status *st = err->status;
    err->pub.num_warnings++;
    st->warnings++;
    switch (err->pub.msg_code) {
    case JWRN_JPEG_EOF:
        st->eof = 1;
        break;
    // Harmless oddities that real cameras and editors produce all the time.
    case JWRN_EXTRANEOUS_DATA:
    case JWRN_JFIF_MAJOR:
    case JWRN_ADOBE_XFORM:
    case JWRN_BOGUS_ICC:
        break;
    default:
        st->damaged = 1;
        break;
    }
    // Once the data has run out, later complaints are consequences of that;
    // keep the message that names the cause.
    if (st->eof && err->pub.msg_code != JWRN_JPEG_EOF) return;
    (*cinfo->err->format_message)(cinfo, st->message);
}

static void cc_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > CC_JPEG_MAX_SCANS) {
        cc_jpeg_error *err = (cc_jpeg_error *)cinfo->err;
        snprintf(err->status->message, sizeof err->status->message,
                 "JPEG has more than %d progressive scans", CC_JPEG_MAX_SCANS);
        err->status->damaged = 1;
        longjmp(err->jump, 1);
    }
}

static void cc_jpeg_install(cc_jpeg_error *err, cc_status *status) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = cc_jpeg_error_exit;
    err->pub.output_message = cc_jpeg_output_message;
    err->pub.emit_message = cc_jpeg_emit_message;
    err->status = status;
}

/// A fatal error after libjpeg ran out of bytes is truncation, not corruption.
static int cc_jpeg_failure(const cc_status *status) {
    return status->eof ? CC_ERR_TRUNCATED : CC_ERR_CORRUPT;
}

static int cc_color_of(J_COLOR_SPACE cs) {
    switch (cs) {
    case JCS_GRAYSCALE: return CC_COLOR_GRAY;
    case JCS_RGB: return CC_COLOR_RGB;
    case JCS_YCbCr: return CC_COLOR_YCBCR;
    case JCS_CMYK: return CC_COLOR_CMYK;
    case JCS_YCCK: return CC_COLOR_YCCK;
    default: return CC_COLOR_UNKNOWN;
    }
}

static void cc_fill_header(j_decompress_ptr c, cc_header *out) {
    memset(out, 0, sizeof *out);
    out->width = c->image_width;
    out->height = c->image_height;
    out->components = c->num_components;
    out->color = cc_color_of(c->jpeg_color_space);
    out->bit_depth = c->data_precision;
    out->progressive = c->progressive_mode ? 1 : 0;
    out->adobe = c->saw_Adobe_marker ? 1 : 0;
}

struct cc_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    cc_jpeg_error err;
    struct jpeg_progress_mgr progress;
    int cmyk;          ///< decode to CMYK then convert to RGB ourselves
    int inverted;      ///< Adobe files store CMYK inverted
    uint8_t *row;      ///< CMYK scanline scratch, owned here so a longjmp cannot leak it
};

void cc_jpeg_decoder_free(cc_jpeg_decoder *dec) {
    if (dec == NULL) return;
    jpeg_destroy_decompress(&dec->cinfo); // safe on a zeroed struct: checks mem
    free(dec->row);
    free(dec);
}

int cc_jpeg_decoder_open(const uint8_t *data, size_t len, int scale_denom,
                         cc_limits limits, cc_jpeg_decoder **out_decoder,
                         cc_header *out, cc_status *status) {
    *out_decoder = NULL;
    memset(out, 0, sizeof *out);
    if (data == NULL || len == 0) {
        cc_set_message(status, "no JPEG data");
        return CC_ERR_ARGUMENT;
    }
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
        cc_set_message(status, "JPEG scale must be 1/1, 1/2, 1/4 or 1/8");
        return CC_ERR_ARGUMENT;
    }
    cc_jpeg_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL) {
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    dec->cinfo.err = &dec->err.pub;
    cc_jpeg_install(&dec->err, status);
    if (setjmp(dec->err.jump)) {
        int rc = cc_jpeg_failure(status);
        if (dec->err.pub.msg_code == JERR_IMAGE_TOO_BIG) {
            // libjpeg's own ceiling (65500 per side) fired before ours;
            // report it the same way, with the declared size.
            cc_fill_header(&dec->cinfo, out);
            rc = CC_ERR_TOO_LARGE;
        }
        cc_jpeg_decoder_free(dec);
        return rc;
    }
    jpeg_create_decompress(&dec->cinfo); // keeps cinfo.err
    dec->progress.progress_monitor = cc_jpeg_progress;
    dec->cinfo.progress = &dec->progress;
    jpeg_mem_src(&dec->cinfo, data, (unsigned long)len);
    jpeg_read_header(&dec->cinfo, TRUE);
    cc_fill_header(&dec->cinfo, out);

    int rc = cc_check_limits(out->width, out->height, limits, status);
    if (rc != CC_OK) {
        cc_jpeg_decoder_free(dec);
        return rc;
    }
    switch (dec->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        // libjpeg-turbo converts grayscale to RGB itself.
        dec->cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        // libjpeg turns YCCK into CMYK; the CMYK-to-RGB step is ours.
        dec->cinfo.out_color_space = JCS_CMYK;
        dec->cmyk = 1;
        dec->inverted = dec->cinfo.saw_Adobe_marker ? 1 : 0;
        break;
    default:
        snprintf(status->message, sizeof status->message,
                 "JPEG with %d components in an unknown colour space",
                 dec->cinfo.num_components);
        cc_jpeg_decoder_free(dec);
        return CC_ERR_UNSUPPORTED;
    }
    dec->cinfo.scale_num = 1;
    dec->cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_calc_output_dimensions(&dec->cinfo);
    out->out_width = dec->cinfo.output_width;
    out->out_height = dec->cinfo.output_height;
    *out_decoder = dec;
    return CC_OK;
}

int cc_jpeg_decoder_set_scale(cc_jpeg_decoder *dec, int scale_denom, cc_header *out,
                              cc_status *status) {
    if (dec == NULL || (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8)) {
        cc_set_message(status, "JPEG scale must be 1/1, 1/2, 1/4 or 1/8");
        return CC_ERR_ARGUMENT;
    }
    dec->err.status = status;
    if (setjmp(dec->err.jump)) {
        return cc_jpeg_failure(status);
    }
    dec->cinfo.scale_num = 1;
    dec->cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_calc_output_dimensions(&dec->cinfo);
    out->out_width = dec->cinfo.output_width;
    out->out_height = dec->cinfo.output_height;
    return CC_OK;
}

/// One CMYK scanline to RGB. Adobe files hold 255 - ink, so the "inverted"
/// values are already the fractions of light that get through.
static void cc_cmyk_row_to_rgb(const uint8_t *src, uint8_t *dst, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
        if (!inverted) {
            c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        dst[3 * x] = (uint8_t)((c * k + 127) / 255);
        dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        dst[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

int cc_jpeg_decoder_read_rgb(cc_jpeg_decoder *dec, uint8_t *dst, size_t dst_len,
                             cc_status *status) {
    if (dec == NULL || dst == NULL) {
        cc_set_message(status, "no decoder or no destination");
        return CC_ERR_ARGUMENT;
    }
    j_decompress_ptr c = &dec->cinfo;
    size_t stride = (size_t)c->output_width * 3;
    if (dst_len < stride * c->output_height) {
        cc_set_message(status, "destination buffer too small");
        return CC_ERR_ARGUMENT;
    }
    dec->err.status = status;
    if (setjmp(dec->err.jump)) {
        return cc_jpeg_failure(status);
    }
    jpeg_start_decompress(c);
    if (dec->cmyk) {
        dec->row = malloc((size_t)c->output_width * 4);
        if (dec->row == NULL) {
            cc_set_message(status, "out of memory");
            return CC_ERR_NOMEM;
        }
    }
    while (c->output_scanline < c->output_height) {
        uint8_t *target = dst + stride * c->output_scanline;
        JSAMPROW row = dec->cmyk ? dec->row : target;
        if (jpeg_read_scanlines(c, &row, 1) != 1) break; // suspension cannot happen with a memory source
        if (dec->cmyk) cc_cmyk_row_to_rgb(dec->row, target, c->output_width, dec->inverted);
    }
    jpeg_finish_decompress(c);
    return CC_OK;
}

int cc_jpeg_read_header(const uint8_t *data, size_t len, cc_limits limits,
                        cc_header *out, cc_status *status) {
    cc_jpeg_decoder *dec = NULL;
    int rc = cc_jpeg_decoder_open(data, len, 1, limits, &dec, out, status);
    cc_jpeg_decoder_free(dec);
    return rc;
}

// MARK: encoding

/// A growing memory destination we own, rather than jpeg_mem_dest, so that an
/// error mid-encode cannot leave us unsure which buffer to free.
typedef struct {
    struct jpeg_destination_mgr pub;
    uint8_t *buf;
    size_t cap;
    size_t len;
} cc_mem_dest;

static void cc_dest_init(j_compress_ptr c) {
    cc_mem_dest *d = (cc_mem_dest *)c->dest;
    d->cap = 65536;
    d->buf = malloc(d->cap);
    if (d->buf == NULL) ERREXIT(c, JERR_OUT_OF_MEMORY);
    d->pub.next_output_byte = d->buf;
    d->pub.free_in_buffer = d->cap;
}

static boolean cc_dest_empty(j_compress_ptr c) {
    cc_mem_dest *d = (cc_mem_dest *)c->dest;
    size_t grown = d->cap * 2;
    uint8_t *bigger = realloc(d->buf, grown);
    if (bigger == NULL) ERREXIT(c, JERR_OUT_OF_MEMORY);
    d->buf = bigger;
    // libjpeg calls this when the whole buffer is full.
    d->pub.next_output_byte = d->buf + d->cap;
    d->pub.free_in_buffer = grown - d->cap;
    d->cap = grown;
    return TRUE;
}

static void cc_dest_term(j_compress_ptr c) {
    cc_mem_dest *d = (cc_mem_dest *)c->dest;
    d->len = d->cap - d->pub.free_in_buffer;
}

int cc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                   int components, int quality, int adobe,
                   uint8_t **out_data, size_t *out_len, cc_status *status) {
    *out_data = NULL;
    *out_len = 0;
    if (pixels == NULL || width == 0 || height == 0 || width > 65500 || height > 65500 ||
        (components != 1 && components != 3 && components != 4)) {
        cc_set_message(status, "JPEG encode needs 1..65500 pixels per side and 1, 3 or 4 channels");
        return CC_ERR_ARGUMENT;
    }
    // Heap state: everything the error path touches lives here, not in
    // locals that setjmp may not preserve.
    struct state {
        struct jpeg_compress_struct cinfo;
        cc_jpeg_error err;
        cc_mem_dest dest;
    } *s = calloc(1, sizeof *s);
    if (s == NULL) {
        cc_set_message(status, "out of memory");
        return CC_ERR_NOMEM;
    }
    s->cinfo.err = &s->err.pub;
    cc_jpeg_install(&s->err, status);
    if (setjmp(s->err.jump)) {
        jpeg_destroy_compress(&s->cinfo);
        free(s->dest.buf);
        free(s);
        return CC_ERR_CORRUPT;
    }
    jpeg_create_compress(&s->cinfo);
    s->dest.pub.init_destination = cc_dest_init;
    s->dest.pub.empty_output_buffer = cc_dest_empty;
    s->dest.pub.term_destination = cc_dest_term;
    s->cinfo.dest = &s->dest.pub;
    s->cinfo.image_width = width;
    s->cinfo.image_height = height;
    s->cinfo.input_components = components;
    s->cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&s->cinfo);
    if (components == 4) {
        jpeg_set_colorspace(&s->cinfo, adobe == 2 ? JCS_YCCK : JCS_CMYK);
        s->cinfo.write_Adobe_marker = adobe ? TRUE : FALSE;
    }
    jpeg_set_quality(&s->cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&s->cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)components;
    while (s->cinfo.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * s->cinfo.next_scanline);
        jpeg_write_scanlines(&s->cinfo, &row, 1);
    }
    jpeg_finish_compress(&s->cinfo);
    *out_data = s->dest.buf;
    *out_len = s->dest.len;
    jpeg_destroy_compress(&s->cinfo);
    free(s);
    return CC_OK;
}

void cc_free(void *p) { free(p); }
