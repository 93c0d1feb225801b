/* struct pd_prog (src/progdesc.h) to a compact byte string and back: what the compile
 * cache stores beside the BPF object. */
#ifndef PROGDESC_BLOB_H
#define PROGDESC_BLOB_H

struct blob_w;
struct blob_r;
struct pd_prog;

/* Appends pd to w (w->oom set when out of memory). */
void cache_pd_write(struct blob_w *w, const struct pd_prog *pd);
/* Reads what cache_pd_write wrote into a fresh pd (its own arena). Returns NULL when the
 * bytes are truncated or malformed (r->bad set) or out of memory. */
struct pd_prog *cache_pd_read(struct blob_r *r);

#endif
