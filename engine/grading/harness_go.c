/* placeholder */
#include "engine/grading/harness.h"
