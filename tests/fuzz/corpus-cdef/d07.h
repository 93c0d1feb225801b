struct fwd;
struct usefwd { struct fwd *p; };
