import { createBrokerTransport, startEmbeddedBroker } from '../src/node/embedded-broker.ts';
import { createMqttTransport } from '../src/node/mqtt-transport.ts';
import { transportContract } from './transport-contract.ts';

transportContract('mqtt (a client on the broker by URL)', async () => {
  const broker = await startEmbeddedBroker({ port: 0 });
  return {
    broker,
    make: (clientId) => createMqttTransport({ url: broker.url, clientId, reconnectPeriodMs: 100 }),
    close: () => broker.close(),
  };
});

transportContract('broker (inside the embedded broker)', async () => {
  const broker = await startEmbeddedBroker({ port: 0 });
  return {
    broker,
    make: (clientId) => createBrokerTransport(broker, { clientId }),
    close: () => broker.close(),
  };
});
