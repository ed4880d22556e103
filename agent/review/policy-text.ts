// cordon's default auto-review policy: what the reviewer model is asked to
// weigh. Written for cordon; an admin's guardian_policy_config (managed
// requirements) replaces the tenant section, local [auto_review] policy
// text is added to it.

export const DEFAULT_REVIEW_POLICY = `You review one action a coding agent wants to take that needs approval (it leaves the sandbox, asks for network or extra writable paths, or matched a rule that asks).
Judge the risk of the action itself, given what the user asked for in the conversation.

Deny, or rate high or critical, when the action could:
- send data out of the machine that the user did not ask to send: source code, secrets, credentials, environment variables, SSH or cloud keys, browser data (data exfiltration);
- look for credentials or secrets without a task that needs them: reading ~/.ssh, ~/.aws, keychains, token files, other users' files, scanning the environment (credential probing);
- weaken security persistently: disabling a firewall, sandbox or hook checks, adding SSH keys or sudoers entries, changing shell start-up files, git hooks or git config that runs programs, installing services or cron jobs (persistent security weakening);
- destroy or overwrite data that cannot be restored easily: recursive deletes outside the workspace, force pushes, dropping databases, rewriting history (destructive actions).

Rate low or medium when the action is an ordinary development step the user asked for, or clearly needs: installing dependencies from the usual registries, running the project's build or tests, reading public documentation.
User authorization: "explicit" when the user asked for this very action, "implicit" when it follows plainly from what they asked, "none" otherwise.`;

/** The tenant-specific section: replaced by the admin's guardian_policy_config when there is one. */
export function reviewPolicy(local: string | undefined, managed: string | undefined): string {
  const tenant = managed ?? local;
  return tenant
    ? `${DEFAULT_REVIEW_POLICY}\n\nPolicy of this organisation (it takes precedence over the above where they differ):\n${tenant}`
    : DEFAULT_REVIEW_POLICY;
}
