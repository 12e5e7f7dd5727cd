// Helpers shared by the JPEG, PNG and WebP parts of CCodecs. Not public.
#pragma once

#include <stdio.h>
#include <string.h>
#include "codecs.h"

/// Copies text into status->message, always NUL-terminated.
static inline void cc_set_message(cc_status *status, const char *text) {
    if (status == NULL || text == NULL) return;
    snprintf(status->message, sizeof status->message, "%s", text);
}

/// Checks a declared size against the caller's limits. Multiplication is done
/// in 64 bits: 65535 * 65535 cannot overflow it.
static inline int cc_check_limits(uint32_t width, uint32_t height, cc_limits limits,
                                  cc_status *status) {
    if (width == 0 || height == 0) {
        cc_set_message(status, "image declares a zero width or height");
        return CC_ERR_CORRUPT;
    }
    if (width > limits.max_side || height > limits.max_side ||
        (uint64_t)width * (uint64_t)height > limits.max_pixels) {
        snprintf(status->message, sizeof status->message,
                 "image declares %ux%u pixels, over the limit of %u per side or %llu in all",
                 width, height, limits.max_side, (unsigned long long)limits.max_pixels);
        return CC_ERR_TOO_LARGE;
    }
    return CC_OK;
}
