/* buf() values: a u32 length, then the bytes. Rendered as bpftrace prints them: %r (and
 * print(), map values and keys) shows printable bytes as they are and others as \xNN;
 * printf's %rx shows every byte as \xNN, %rh as hex pairs separated by spaces. */
#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

int out_buf_str(struct strbuf *sb, const struct pd_type *t, const uint8_t *p, char mode)
{
	uint32_t len = (uint32_t)rt_read_int(p, 4, false);
	if (len > t->size - 4)
		len = t->size - 4;
	int err = 0;
	for (uint32_t i = 0; i < len && !err; i++) {
		uint8_t c = p[4 + i];
		if (mode == 'h')
			err = sb_printf(sb, i ? " %02x" : "%02x", c);
		else if (mode == 'x' || c < 0x20 || c >= 0x7f)
			err = sb_printf(sb, "\\x%02x", c);
		else
			err = sb_putc(sb, (char)c);
	}
	return err;
}

int rt_buf_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
	       const uint8_t *p, bool json)
{
	return out_buf_str(sb, t, p, 0);
}
