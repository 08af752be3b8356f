/* driftmap — umbrella header: include this one. */
#ifndef DRIFTMAP_H
#define DRIFTMAP_H
#include "common.h"
#include "inventory.h"
#include "types.h"
#include "ignore.h"
#include "state.h"
#include "diff.h"
#include "report.h"
#include "providers.h"
#include "graph.h"
#include "posture.h"
#include "history.h"
#endif
