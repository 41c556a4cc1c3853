import Testing

/// The fault suite: every scenario of guarantee 6 against a real cluster (2 gateways, 3 workers)
/// under continuous `Traffic`, with the fault injected by `scripts/chaos` as an operator would.
///
/// Serialized: each scenario measures a recovery time, which a dozen clusters starting at once on
/// two cores would distort. Each prints one `fault ...:` line with its figures.
@Suite(.serialized) struct FaultSuite {}
