/* A plugin that forgot the entry point: it exports a provider under the wrong name. */
#include <driftmap/sys/provider.h>

static int no_entry_enumerate(const dm_provider *self, dm_ctx *ctx, const dm_provider_request *req,
			      const dm_emit *emit)
{
	(void)self;
	(void)ctx;
	(void)req;
	(void)emit;
	return 0;
}

static const dm_provider no_entry_provider = {
	DM_PROVIDER_ABI_VERSION,
	"no_entry",
	"A provider nobody can find",
	NULL,
	no_entry_enumerate,
};

const dm_provider *driftmap_provider_entry_v2(void);

const dm_provider *driftmap_provider_entry_v2(void)
{
	return &no_entry_provider;
}
