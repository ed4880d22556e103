// Containers of the container suites through testcontainers: GenericContainer
// with the three `docker run` settings the test network needs and the library
// does not offer (fixed addresses on a network, --dns, --init), exec, wait
// strategies. The network itself is created with the library's runtime client:
// its Network class makes only non-internal IPv4 bridges, and the test network
// must be internal (no route out) and dual-stack.
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";

// The reaper image (ryuk) cannot be pulled here; the suites remove what they start.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

export class TestHostContainer extends GenericContainer {
  /** Joins `network` at fixed addresses, like `docker run --network N --ip A --ip6 B`. */
  withAddresses(network: string, ip: { v4: string; v6?: string }): this {
    this.hostConfig.NetworkMode = network;
    this.createOpts.NetworkingConfig = {
      EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: ip.v4, ...(ip.v6 ? { IPv6Address: ip.v6 } : {}) } } },
    };
    return this;
  }
  withDns(server: string): this {
    this.hostConfig.Dns = [server];
    return this;
  }
  /** A minimal init as PID 1 (`docker run --init`), as the dev container configurations use. */
  withInit(): this {
    this.hostConfig.Init = true;
    return this;
  }
}

/** Creates an internal, dual-stack bridge network (`docker network create --internal --ipv6 --subnet …`). */
export async function createInternalNetwork(o: { name: string; subnets: string[]; labels: Record<string, string> }) {
  const client = await getContainerRuntimeClient();
  await client.network.create({
    Name: o.name,
    Driver: "bridge",
    Internal: true,
    EnableIPv6: o.subnets.some((s) => s.includes(":")),
    IPAM: { Config: o.subnets.map((Subnet) => ({ Subnet })) },
    Labels: o.labels,
  } as Parameters<typeof client.network.create>[0]);
}

/** `bash -c script` in the container as `user`: exit code, stdout and stderr apart. */
export async function sh(c: StartedTestContainer, script: string, user = "root") {
  const r = await c.exec(["bash", "-c", script], { user });
  return { exitCode: r.exitCode, stdout: r.stdout.replace(/\n$/, ""), stderr: r.stderr.replace(/\n$/, "") };
}
