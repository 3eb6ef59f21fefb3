// Evaluates IAM role trust policies with cloud-copilot/iam-simulate, one case per input line.
// Input (JSON lines): {"id", "policy", "principal", "context"}; output (JSON lines):
// {"id", "result"} with result Allowed, ExplicitlyDenied or ImplicitlyDenied.
//
// runSimulation drops the OIDC provider keys (they are not in the sts action's key list), and
// runUnsafeSimulation fails on a resource policy without a name, so this calls the engine's own
// authorize() the way runUnsafeSimulation does, with a named resource policy. The request
// context is given as the harness built it (the keys STS would put in it), unvalidated.
import { createInterface } from 'node:readline'
import { loadPolicy } from '@cloud-copilot/iam-policy'

// iam_run.sh copies this file into the cache folder that holds node_modules, and runs it there.
const base = new URL('./node_modules/@cloud-copilot/iam-simulate/dist/esm/', import.meta.url)
const { authorize } = await import(new URL('core_engine/CoreSimulatorEngine.js', base))
const { AwsRequestImpl } = await import(new URL('request/request.js', base))
const { RequestContextImpl } = await import(new URL('requestContext.js', base))
const { DiscoveryContextKeyConstraints } = await import(
  new URL('context_keys/discoveryContextKeyConstraints.js', base)
)

const ROLE = 'arn:aws:iam::111122223333:role/claimcheck-differential'

function evaluate({ policy, principal, context }) {
  const request = new AwsRequestImpl(
    principal,
    { resource: ROLE, accountId: '111122223333' },
    'sts:AssumeRoleWithWebIdentity',
    new RequestContextImpl(context)
  )
  return authorize({
    request,
    sessionPolicy: undefined,
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: loadPolicy(policy, { name: 'TrustPolicy' }),
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: {} }
  }).result
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  const input = JSON.parse(line)
  let result
  try {
    result = evaluate(input)
  } catch (error) {
    result = `Error: ${error.message}`
  }
  process.stdout.write(JSON.stringify({ id: input.id, result }) + '\n')
}
