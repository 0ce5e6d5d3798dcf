// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the include path
// through /usr/include/<triplet>/cblas.h).
#include <cblas.h>
