// Peer row: OpenLIT's Node SDK as its quickstart shows (`openlit.init({ otlpEndpoint })`), pointed at
// the local sink. `pricingJson: {}` keeps it from fetching its price list from GitHub at start-up:
// the benchmark must not leave this machine, and cost attributes are not what is measured here.
import openlitModule from 'openlit';

// A CommonJS build: Node's default import is module.exports, whose `default` is the SDK.
const openlit = openlitModule.default ?? openlitModule;
openlit.init({
  applicationName: 'bench-service',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  pricingJson: {},
});
