// The header does the work; this file gives SwiftPM a C source to build.
#include "CValgrindShim.h"
