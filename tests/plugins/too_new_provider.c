/* A plugin built against a future provider ABI (version 99): the host must refuse it. */
#include <driftmap/sys/provider.h>

static int too_new_enumerate(const dm_provider *self, dm_ctx *ctx, const dm_provider_request *req,
			     const dm_emit *emit)
{
	(void)self;
	(void)ctx;
	(void)req;
	(void)emit;
	return 0;
}

static const dm_provider too_new_provider = {
	99u,
	"too_new",
	"A provider from the future",
	NULL,
	too_new_enumerate,
};

const dm_provider *driftmap_provider_entry(void);

const dm_provider *driftmap_provider_entry(void)
{
	return &too_new_provider;
}
