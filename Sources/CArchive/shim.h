#include <archive.h>
#include <archive_entry.h>

// Swift does not import the AE_IF* macros (they are casts): re-export them as constants.
static const unsigned int relswap_archive_regular_file = AE_IFREG;
static const unsigned int relswap_archive_directory = AE_IFDIR;
