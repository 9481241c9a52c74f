/**
 * The credential catalogue: every token format apitrail recognises by its shape, as data. The SDK's
 * one-pass scanner (`scanner.ts`), the Collector's generated RE2 config and the test-time sample
 * generator all read this one table. Facts (prefixes, charsets, lengths, checksums) come from the
 * providers' documentation of their token formats and the public rule sets of secret scanners
 * (gitleaks, TruffleHog, secretlint, detect-secrets, GitHub secret scanning).
 */

/** Character classes a token body is drawn from, as regex class contents (valid in V8 and RE2). */
export const CHARSETS = {
  alnum: 'A-Za-z0-9',
  letters: 'A-Za-z',
  lowerAlnum: 'a-z0-9',
  upperAlnum: 'A-Z0-9',
  hex: '0-9a-f',
  upperHex: '0-9A-F',
  anyHex: '0-9A-Fa-f',
  digits: '0-9',
  base32: 'A-Z2-7',
  lowerBase32: 'a-z2-7',
  /** Letters, digits and `_` (`\w`). */
  word: 'A-Za-z0-9_',
  /** base64url: letters, digits, `_` and `-`. */
  base64url: 'A-Za-z0-9_-',
  base64: 'A-Za-z0-9+/',
  /** base64 with its padding. */
  base64pad: 'A-Za-z0-9+/=',
  /** base64url with `=` padding. */
  base64urlPad: 'A-Za-z0-9_=-',
  /** Tokens that mix `.`, `_`, `-` and `=` into their body. */
  dotted: 'A-Za-z0-9_.=-',
  /** Bech32's data alphabet (age keys). */
  bech32: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L',
  /** URL path characters after a webhook host. */
  path: 'A-Za-z0-9_/@+-',
} as const;

export type Charset = keyof typeof CHARSETS;

/** A run of `min` to `max` (default `min`) characters of one charset. */
export type Run = readonly [charset: Charset, min: number, max?: number];

/** A literal or a run; a token body is a sequence of these. */
export type Segment = string | Run;

/** Checksums some formats carry; the sample generator makes them valid. */
export type Checksum = 'github-crc32';

export interface CredentialFormat {
  readonly id: string;
  readonly description: string;
  /**
   * Literals the token starts with (case-sensitive). Empty: the format has no prefix of its own and
   * is found only after one of its `keywords` (`datadog_api_key = …`).
   */
  readonly prefixes: readonly string[];
  /** The rest of the token, in order. */
  readonly body: readonly Segment[];
  /**
   * Characters right before the prefix that belong to the token (`<14 alnum>.atlasv1.…`), for the
   * formats whose first distinctive literal sits inside them.
   */
  readonly lead?: Run;
  /**
   * Words (case-insensitive) of which one must come right before the token, in an assignment or
   * a `keyword: value` pair, as gitleaks' keyword rules have it. Required of prefix-less formats.
   */
  readonly keywords?: readonly string[];
  readonly checksum?: Checksum;
  /**
   * The prefix ends common words (`task_test_…`, `risk-…`): the token must not follow a letter or a
   * digit. Distinctive prefixes are found wherever they start (`x_ghp_…`, `abcAKIA…`).
   */
  readonly wordStart?: true;
  /** The token must end where its word does (`my_sk_test_environment_setup` is a name). */
  readonly wordEnd?: true;
}

/** Shorthand for the table below: a prefixed format. */
function prefixed(
  id: string,
  description: string,
  prefixes: string | readonly string[],
  body: readonly Segment[],
  options: Partial<Pick<CredentialFormat, 'lead' | 'keywords' | 'checksum' | 'wordStart' | 'wordEnd'>> = {},
): CredentialFormat {
  return { id, description, prefixes: typeof prefixes === 'string' ? [prefixes] : prefixes, body, ...options };
}

/** Shorthand for the table below: a format found only after one of its keywords. */
function afterKeyword(
  id: string,
  description: string,
  keywords: readonly string[],
  body: readonly Segment[],
): CredentialFormat {
  return { id, description, prefixes: [], body, keywords };
}

const UUID: readonly Segment[] = [['hex', 8], '-', ['hex', 4], '-', ['hex', 4], '-', ['hex', 4], '-', ['hex', 12]];
const UPPER_UUID: readonly Segment[] = [
  ['upperHex', 8],
  '-',
  ['upperHex', 4],
  '-',
  ['upperHex', 4],
  '-',
  ['upperHex', 4],
  '-',
  ['upperHex', 12],
];

/**
 * Minimums below a format's real length where tokens are often seen cut short by a length limit
 * (GitHub), so a truncated token still counts; otherwise the documented length.
 */
export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = [
  // ── Cloud providers ──────────────────────────────────────────────────────────────────────────
  prefixed('aws_access_key_id', 'AWS access key id', ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'], [['base32', 16, 17]]),
  afterKeyword(
    'aws_secret_access_key',
    'AWS secret access key',
    ['aws_secret', 'aws-secret', 'secretaccesskey', 'secret_access_key'],
    [['base64', 40]],
  ),
  afterKeyword(
    'aws_session_token',
    'AWS session token',
    ['aws_session_token', 'x-amz-security-token'],
    [['base64pad', 100, 4096]],
  ),
  prefixed('aws_mws_key', 'Amazon MWS auth token', 'amzn.mws.', UUID),
  prefixed('aws_bedrock_long_lived', 'Amazon Bedrock API key (long-lived)', 'ABSKQmVkcm9ja0FQSUtleS', [
    ['base64pad', 90, 300],
  ]),
  prefixed('aws_bedrock_short_lived', 'Amazon Bedrock API key (short-lived)', 'bedrock-api-key-', [
    ['base64pad', 40, 4096],
  ]),
  prefixed('gcp_api_key', 'Google API key', 'AIza', [['base64url', 35]]),
  prefixed('gcp_oauth_client_secret', 'Google OAuth client secret', 'GOCSPX-', [['base64url', 28]]),
  prefixed('google_oauth_access_token', 'Google OAuth access token', 'ya29.', [['base64url', 30, 2048]]),
  prefixed('google_oauth_refresh_token', 'Google OAuth refresh token', '1//0', [['base64url', 40, 512]]),
  prefixed('azure_ad_client_secret', 'Microsoft Entra ID client secret', 'Q~', [['dotted', 31, 34]], {
    lead: ['word', 4],
  }),
  afterKeyword(
    'azure_storage_account_key',
    'Azure storage account key',
    ['accountkey', 'azure_storage_key'],
    [['base64', 86], '=='],
  ),
  afterKeyword(
    'azure_devops_pat',
    'Azure DevOps personal access token',
    ['azure_devops', 'ado_pat', 'azdo', 'devops_pat'],
    [['lowerBase32', 52]],
  ),
  prefixed('azure_devops_pat_v2', 'Azure DevOps personal access token (84 characters)', 'AZDO', [['alnum', 4]], {
    lead: ['alnum', 76],
  }),
  afterKeyword(
    'azure_openai_key',
    'Azure OpenAI / Cognitive Services key',
    ['azure_openai', 'ocp-apim-subscription-key', 'cognitive'],
    [['anyHex', 32]],
  ),
  afterKeyword('azure_cosmosdb_key', 'Azure Cosmos DB key', ['cosmos', 'cosmosdb'], [['base64', 86], '==']),
  prefixed('digitalocean_pat', 'DigitalOcean personal access token', 'dop_v1_', [['hex', 64]]),
  prefixed('digitalocean_oauth_token', 'DigitalOcean OAuth access token', 'doo_v1_', [['hex', 64]]),
  prefixed('digitalocean_refresh_token', 'DigitalOcean OAuth refresh token', 'dor_v1_', [['hex', 64]]),
  prefixed('alibaba_access_key_id', 'Alibaba Cloud AccessKey id', 'LTAI', [['alnum', 20]], { wordStart: true }),
  afterKeyword('alibaba_secret_key', 'Alibaba Cloud AccessKey secret', ['alibaba', 'aliyun'], [['alnum', 30]]),
  prefixed('tencent_secret_id', 'Tencent Cloud SecretId', 'AKID', [['alnum', 32]], { wordStart: true }),
  prefixed('volcengine_access_key', 'Volcengine access key id', 'AKLT', [['base64url', 43]], { wordStart: true }),
  afterKeyword('yandex_api_key', 'Yandex Cloud API key', ['yandex'], ['AQVN', ['base64url', 35, 38]]),
  afterKeyword('yandex_access_key', 'Yandex Cloud static access key id', ['yandex'], ['YC', ['base64url', 38]]),
  prefixed('yandex_iam_token', 'Yandex Cloud IAM token', 't1.9euelZ', [['dotted', 80, 1024]]),
  afterKeyword('ibm_cloud_api_key', 'IBM Cloud API key', ['ibm_cloud', 'ibmcloud', 'ibm_api'], [['base64url', 44]]),
  prefixed('heroku_api_key_v2', 'Heroku API key', 'HRKU-AA', [['base64url', 58]]),
  afterKeyword('heroku_api_key', 'Heroku API key (UUID)', ['heroku'], UUID),
  afterKeyword('linode_token', 'Linode personal access token', ['linode'], [['hex', 64]]),
  prefixed('scaleway_access_key', 'Scaleway access key', 'SCW', [['upperAlnum', 17]], {
    wordStart: true,
    wordEnd: true,
  }),
  afterKeyword('scaleway_secret_key', 'Scaleway secret key', ['scaleway', 'scw_secret'], UUID),
  afterKeyword('cloudflare_api_token', 'Cloudflare API token', ['cloudflare', 'cf_api'], [['base64url', 40]]),
  afterKeyword('cloudflare_global_key', 'Cloudflare global API key', ['cloudflare', 'x-auth-key'], [['hex', 37]]),
  prefixed('cloudflare_origin_ca_key', 'Cloudflare Origin CA key', 'v1.0-', [['hex', 24], '-', ['hex', 146]]),
  afterKeyword('fastly_api_token', 'Fastly API token', ['fastly'], [['base64urlPad', 32]]),
  prefixed('vercel_token', 'Vercel access token', ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], [['alnum', 24, 64]], {
    wordStart: true,
  }),
  afterKeyword('vercel_legacy_token', 'Vercel token (unprefixed)', ['vercel'], [['alnum', 24]]),
  prefixed('netlify_pat', 'Netlify personal access token', 'nfp_', [['alnum', 36, 40]]),
  afterKeyword('netlify_token', 'Netlify access token (unprefixed)', ['netlify'], [['base64urlPad', 40, 46]]),
  prefixed('flyio_token', 'Fly.io access token', 'fo1_', [['base64url', 43]]),
  prefixed('flyio_macaroon', 'Fly.io macaroon token', ['fm1a_', 'fm1r_', 'fm2_'], [['base64pad', 100, 4096]]),
  prefixed('supabase_pat', 'Supabase personal access token', 'sbp_', [['hex', 40]]),
  prefixed('supabase_secret_key', 'Supabase secret API key', 'sb_secret_', [['base64url', 20, 64]]),
  prefixed('render_api_key', 'Render API key', 'rnd_', [['alnum', 32]]),
  prefixed(
    'doppler_token',
    'Doppler token',
    ['dp.pt.', 'dp.st.', 'dp.ct.', 'dp.sa.', 'dp.scim.', 'dp.audit.'],
    [['alnum', 40, 44]],
  ),
  prefixed('vault_service_token', 'HashiCorp Vault service token', 'hvs.', [['base64url', 90, 120]]),
  prefixed('vault_batch_token', 'HashiCorp Vault batch token', 'hvb.', [['base64url', 138, 300]]),
  prefixed('vault_recovery_token', 'HashiCorp Vault recovery token', 'hvr.', [['base64url', 90, 300]]),
  prefixed('terraform_cloud_token', 'HashiCorp Terraform Cloud API token', '.atlasv1.', [['base64urlPad', 60, 70]], {
    lead: ['alnum', 14],
  }),
  prefixed('pulumi_token', 'Pulumi access token', 'pul-', [['hex', 40]], { wordStart: true }),
  prefixed('openshift_token', 'OpenShift user token', 'sha256~', [['base64url', 43]]),
  prefixed('clickhouse_cloud_key', 'ClickHouse Cloud API secret', '4b1d', [['alnum', 38]], {
    wordStart: true,
    wordEnd: true,
  }),
  prefixed('scalingo_token', 'Scalingo API token', 'tk-us-', [['base64url', 48]]),
  prefixed('infracost_token', 'Infracost API token', 'ico-', [['alnum', 32]], { wordStart: true }),
  prefixed('neon_api_key', 'Neon API key', 'napi_', [['lowerAlnum', 64]]),
  afterKeyword('ngrok_token', 'ngrok authtoken / API key', ['ngrok'], [['alnum', 26, 27], '_', ['alnum', 21]]),
  prefixed('tailscale_key', 'Tailscale key', 'tskey-', [['base64url', 30, 100]]),
  prefixed('defined_networking_key', 'Defined Networking API key', 'dnkey-', [['word', 26], '-', ['base64urlPad', 52]]),
  prefixed(
    'authress_key',
    'Authress service client access key',
    ['sc_', 'ext_', 'scauth_', 'authress_'],
    [['alnum', 5, 30], '.', ['alnum', 4, 6], '.acc', ['base64url', 11, 33], '.', ['base64pad', 30, 120]],
  ),

  // ── Source control, CI/CD, package registries ──────────────────────────────────────────────────
  prefixed('github_pat', 'GitHub personal access token (classic)', 'ghp_', [['alnum', 20, 251]], {
    checksum: 'github-crc32',
  }),
  prefixed('github_oauth_token', 'GitHub OAuth access token', 'gho_', [['alnum', 20, 251]], {
    checksum: 'github-crc32',
  }),
  prefixed('github_user_to_server', 'GitHub App user-to-server token', 'ghu_', [['alnum', 20, 251]], {
    checksum: 'github-crc32',
  }),
  prefixed('github_server_to_server', 'GitHub App installation token', 'ghs_', [['alnum', 20, 251]], {
    checksum: 'github-crc32',
  }),
  prefixed('github_refresh_token', 'GitHub refresh token', 'ghr_', [['alnum', 20, 251]], { checksum: 'github-crc32' }),
  prefixed('github_fine_grained_pat', 'GitHub fine-grained personal access token', 'github_pat_', [['word', 22, 221]]),
  prefixed('gitlab_pat', 'GitLab personal access token', 'glpat-', [['dotted', 20, 300]]),
  prefixed('gitlab_deploy_token', 'GitLab deploy token', 'gldt-', [['base64url', 20, 64]]),
  prefixed('gitlab_pipeline_trigger', 'GitLab pipeline trigger token', 'glptt-', [['hex', 40]]),
  prefixed('gitlab_runner_token', 'GitLab runner authentication token', 'glrt-', [['dotted', 20, 300]]),
  prefixed('gitlab_runner_registration', 'GitLab runner registration token', 'GR1348941', [['base64url', 20, 64]]),
  prefixed('gitlab_ci_job_token', 'GitLab CI/CD job token', 'glcbt-', [['alnum', 1, 5], '_', ['base64url', 20, 64]]),
  prefixed('gitlab_feed_token', 'GitLab feed token', 'glft-', [['base64url', 20, 64]]),
  prefixed('gitlab_incoming_mail_token', 'GitLab incoming mail token', 'glimt-', [['base64url', 25, 64]]),
  prefixed('gitlab_scim_token', 'GitLab SCIM token', 'glsoat-', [['base64url', 20, 64]]),
  prefixed('gitlab_oauth_secret', 'GitLab OAuth application secret', 'gloas-', [['base64url', 64]]),
  prefixed('gitlab_agent_token', 'GitLab Kubernetes agent token', 'glagent-', [['base64url', 50, 64]]),
  prefixed('gitlab_feature_flag_token', 'GitLab feature flag client token', 'glffct-', [['base64url', 20, 64]]),
  prefixed('bitbucket_app_password', 'Bitbucket app password', 'ATBB', [['alnum', 32]], { wordStart: true }),
  afterKeyword('bitbucket_client_secret', 'Bitbucket OAuth client secret', ['bitbucket'], [['base64urlPad', 64]]),
  prefixed('atlassian_api_token', 'Atlassian API token', 'ATATT3', [['base64urlPad', 150, 250]]),
  prefixed('atlassian_admin_token', 'Atlassian Cloud admin / Confluence token', 'ATCTT3', [['base64urlPad', 150, 250]]),
  afterKeyword(
    'atlassian_legacy_token',
    'Atlassian API token (legacy)',
    ['atlassian', 'confluence', 'jira'],
    [['alnum', 24]],
  ),
  prefixed('npm_token', 'npm access token', 'npm_', [['alnum', 36]], { checksum: 'github-crc32' }),
  prefixed('pypi_token', 'PyPI upload token', 'pypi-AgEIcHlwaS5vcmc', [['base64url', 50, 1000]]),
  prefixed('test_pypi_token', 'Test PyPI upload token', 'pypi-AgENdGVzdC5weXBpLm9yZw', [['base64url', 50, 1000]]),
  prefixed('rubygems_token', 'RubyGems API key', 'rubygems_', [['hex', 48]]),
  prefixed('nuget_key', 'NuGet API key', 'oy2', [['lowerAlnum', 43]], { wordStart: true, wordEnd: true }),
  prefixed('docker_hub_pat', 'Docker Hub personal access token', 'dckr_pat_', [['base64url', 27, 64]]),
  prefixed('docker_hub_oat', 'Docker Hub organization access token', 'dckr_oat_', [['base64url', 27, 64]]),
  prefixed('clojars_token', 'Clojars deploy token', 'CLOJARS_', [['lowerAlnum', 60]]),
  prefixed('crates_io_token', 'crates.io API token', 'cio', [['alnum', 32]], { wordStart: true, wordEnd: true }),
  prefixed('jfrog_api_key', 'JFrog Artifactory API key', 'AKCp', [['alnum', 69]]),
  prefixed('jfrog_reference_token', 'JFrog Artifactory reference token', 'cmVmdGtu', [['alnum', 56]]),
  afterKeyword('jfrog_identity_token', 'JFrog identity token', ['jfrog', 'artifactory'], [['alnum', 64]]),
  prefixed('sonarqube_token', 'SonarQube / SonarCloud token', ['sqp_', 'squ_', 'sqa_'], [['hex', 40]]),
  afterKeyword('snyk_token', 'Snyk API token', ['snyk'], UUID),
  prefixed('circleci_pat', 'CircleCI personal API token', 'CCIPAT_', [['alnum', 22], '_', ['hex', 40]]),
  prefixed('circleci_project_token', 'CircleCI project API token', 'CCIPRJ_', [['alnum', 22], '_', ['hex', 40]]),
  afterKeyword('circleci_legacy_token', 'CircleCI API token (unprefixed)', ['circleci', 'circle_token'], [['hex', 40]]),
  afterKeyword('travis_token', 'Travis CI access token', ['travis'], [['alnum', 22]]),
  afterKeyword('drone_token', 'Drone CI access token', ['droneci', 'drone_token'], [['alnum', 32]]),
  prefixed('buildkite_token', 'Buildkite API access token', 'bkua_', [['hex', 40]]),
  afterKeyword('codecov_token', 'Codecov upload token', ['codecov'], [['alnum', 32]]),
  prefixed('octopus_deploy_key', 'Octopus Deploy API key', 'API-', [['upperAlnum', 26]], {
    wordStart: true,
    wordEnd: true,
  }),
  prefixed('prefect_token', 'Prefect API key', 'pnu_', [['alnum', 36]]),
  prefixed(
    'harness_pat',
    'Harness API key',
    ['pat.', 'sat.'],
    [['base64url', 22], '.', ['alnum', 24], '.', ['alnum', 20]],
    {
      wordStart: true,
    },
  ),
  prefixed('teamcity_token', 'JetBrains TeamCity access token', 'eyJ0eXAiOiAiVENWMiJ9', [
    '.',
    ['base64url', 36],
    '.',
    ['base64url', 48],
  ]),
  prefixed('sourcegraph_token', 'Sourcegraph access token', 'sgp_', [['dotted', 40, 80]]),
  prefixed('readme_token', 'ReadMe API key', 'rdme_', [['lowerAlnum', 70]]),
  prefixed('postman_key', 'Postman API key', 'PMAK-', [['anyHex', 24], '-', ['anyHex', 34]]),
  afterKeyword('gitea_token', 'Gitea / Forgejo access token', ['gitea', 'forgejo'], [['hex', 40]]),
  afterKeyword('gitter_token', 'Gitter access token', ['gitter'], [['base64url', 40]]),

  // ── Observability ────────────────────────────────────────────────────────────────────────────
  afterKeyword('datadog_api_key', 'Datadog API key', ['datadog', 'dd_api_key', 'dd-api-key'], [['hex', 32]]),
  afterKeyword(
    'datadog_app_key',
    'Datadog application key',
    ['datadog', 'dd_app_key', 'dd-application-key'],
    [['hex', 40]],
  ),
  prefixed('grafana_api_key', 'Grafana API key', 'eyJrIjoi', [['base64pad', 70, 400]]),
  prefixed('grafana_cloud_token', 'Grafana Cloud access token', 'glc_', [['base64pad', 32, 400]]),
  prefixed('grafana_service_account', 'Grafana service account token', 'glsa_', [['alnum', 32], '_', ['anyHex', 8]]),
  prefixed('new_relic_user_key', 'New Relic user API key', 'NRAK-', [['upperAlnum', 27]]),
  prefixed('new_relic_browser_key', 'New Relic browser API token', 'NRJS-', [['hex', 19]]),
  prefixed('new_relic_insert_key', 'New Relic insert key', 'NRII-', [['base64url', 32]]),
  prefixed('new_relic_admin_key', 'New Relic admin API key', 'NRAA-', [['hex', 27]]),
  prefixed('new_relic_query_key', 'New Relic insights query key', 'NRIQ-', [['base64url', 32]]),
  afterKeyword(
    'new_relic_license_key',
    'New Relic license key',
    ['newrelic', 'new_relic', 'new-relic'],
    [['alnum', 36, 40]],
  ),
  prefixed('sentry_org_token', 'Sentry organization auth token', 'sntrys_eyJpYXQiO', [
    ['base64pad', 60, 600],
    '_',
    ['base64', 43],
  ]),
  prefixed('sentry_user_token', 'Sentry user auth token', 'sntryu_', [['hex', 64]]),
  afterKeyword('sentry_legacy_token', 'Sentry auth token (unprefixed)', ['sentry'], [['hex', 64]]),
  prefixed('honeycomb_ingest_key', 'Honeycomb ingest key', ['hcaik_', 'hcxik_'], [['lowerAlnum', 58, 64]]),
  afterKeyword('honeycomb_key', 'Honeycomb configuration key', ['honeycomb', 'x-honeycomb-team'], [['alnum', 22, 32]]),
  prefixed(
    'dynatrace_token',
    'Dynatrace API token',
    ['dt0c01.', 'dt0s01.', 'dt0s02.'],
    [['upperAlnum', 24], '.', ['upperAlnum', 64]],
  ),
  afterKeyword('splunk_hec_token', 'Splunk HTTP Event Collector token', ['splunk'], UUID),
  afterKeyword('sumologic_access_key', 'Sumo Logic access key', ['sumo'], [['alnum', 64]]),
  afterKeyword('sumologic_access_id', 'Sumo Logic access id', ['sumo'], ['su', ['alnum', 12]]),
  afterKeyword('loggly_token', 'Loggly customer token', ['loggly'], UUID),
  afterKeyword('logdna_key', 'Mezmo (LogDNA) ingestion key', ['logdna', 'mezmo'], [['hex', 32]]),
  afterKeyword('rollbar_token', 'Rollbar access token', ['rollbar'], [['hex', 32]]),
  afterKeyword('bugsnag_key', 'Bugsnag API key', ['bugsnag'], [['hex', 32]]),
  afterKeyword('airbrake_key', 'Airbrake project key', ['airbrake'], [['hex', 32]]),
  afterKeyword('pagerduty_key', 'PagerDuty API key', ['pagerduty', 'pd_token'], ['u+', ['base64url', 18]]),
  afterKeyword('pagerduty_integration_key', 'PagerDuty integration key', ['pagerduty', 'routing_key'], [['hex', 32]]),
  afterKeyword('opsgenie_key', 'Opsgenie API key', ['opsgenie', 'genieKey'], UUID),
  afterKeyword('instana_token', 'Instana agent / API token', ['instana'], [['base64url', 22]]),
  afterKeyword(
    'lightstep_token',
    'Lightstep / ServiceNow Cloud Observability access token',
    ['lightstep'],
    [['base64pad', 84, 200]],
  ),
  afterKeyword('elastic_api_key', 'Elastic API key', ['elastic', 'kibana'], [['base64pad', 40, 120]]),
  prefixed('elastic_cloud_key', 'Elastic Cloud API key', 'essu_', [['base64pad', 60, 200]]),
  prefixed('axiom_token', 'Axiom API token', ['xaat-', 'xapt-'], UUID),
  prefixed('checkly_key', 'Checkly API key', 'cu_', [['hex', 32]], { wordStart: true }),

  // ── Messaging and communication ──────────────────────────────────────────────────────────────
  prefixed('slack_bot_token', 'Slack bot token', 'xoxb-', [['digits', 8, 14], '-', ['base64url', 18, 80]]),
  prefixed(
    'slack_user_token',
    'Slack user token',
    ['xoxp-', 'xoxe-'],
    [['digits', 10, 13], '-', ['base64url', 20, 120]],
  ),
  prefixed(
    'slack_legacy_token',
    'Slack workspace / legacy token',
    ['xoxa-', 'xoxr-', 'xoxo-', 'xoxs-'],
    [['base64url', 10, 250]],
  ),
  prefixed(
    'slack_config_token',
    'Slack configuration access token',
    ['xoxe.xoxp-', 'xoxe.xoxb-'],
    [['digits', 1], '-', ['alnum', 140, 180]],
  ),
  prefixed('slack_config_refresh_token', 'Slack configuration refresh token', 'xoxe-', [
    ['digits', 1],
    '-',
    ['alnum', 140, 160],
  ]),
  prefixed('slack_app_token', 'Slack app-level token', 'xapp-', [['digits', 1], '-', ['base64url', 20, 200]]),
  prefixed(
    'slack_webhook',
    'Slack incoming webhook',
    ['hooks.slack.com/services/', 'hooks.slack.com/workflows/', 'hooks.slack.com/triggers/'],
    [['path', 20, 250]],
  ),
  prefixed(
    'discord_webhook',
    'Discord webhook',
    ['discord.com/api/webhooks/', 'discordapp.com/api/webhooks/'],
    [['digits', 17, 20], '/', ['base64url', 60, 80]],
  ),
  afterKeyword(
    'discord_bot_token',
    'Discord bot token',
    ['discord'],
    [['base64url', 24, 28], '.', ['base64url', 6, 7], '.', ['base64url', 27, 40]],
  ),
  afterKeyword('discord_client_secret', 'Discord client secret', ['discord'], [['base64urlPad', 32]]),
  prefixed('telegram_bot_token', 'Telegram bot token', ':AA', [['base64url', 32, 33]], { lead: ['digits', 8, 10] }),
  prefixed(
    'teams_webhook',
    'Microsoft Teams incoming webhook',
    ['.webhook.office.com/webhookb2/', 'outlook.office.com/webhook/'],
    [['path', 60, 300]],
  ),
  prefixed('twilio_api_key', 'Twilio API key SID', 'SK', [['anyHex', 32]], { wordStart: true, wordEnd: true }),
  afterKeyword('twilio_auth_token', 'Twilio auth token', ['twilio'], [['hex', 32]]),
  prefixed('sendgrid_key', 'SendGrid API key', 'SG.', [['base64url', 22], '.', ['base64url', 43]]),
  prefixed('mailgun_api_key', 'Mailgun private API key', 'key-', [['hex', 32]], { wordStart: true, wordEnd: true }),
  prefixed('mailgun_pub_key', 'Mailgun public validation key', 'pubkey-', [['hex', 32]], { wordStart: true }),
  afterKeyword(
    'mailgun_signing_key',
    'Mailgun webhook signing key',
    ['mailgun'],
    [['hex', 32], '-', ['hex', 8], '-', ['hex', 8]],
  ),
  prefixed('mailchimp_api_key', 'Mailchimp API key', '-us', [['digits', 1, 2]], { lead: ['hex', 32], wordEnd: true }),
  prefixed('mandrill_key', 'Mailchimp Transactional (Mandrill) key', 'md-', [['base64url', 22]], {
    keywords: ['mandrill', 'mailchimp'],
  }),
  afterKeyword('mailjet_key', 'Mailjet API key', ['mailjet'], [['hex', 32]]),
  afterKeyword('postmark_token', 'Postmark server token', ['postmark', 'x-postmark-server-token'], UUID),
  afterKeyword('sparkpost_key', 'SparkPost API key', ['sparkpost'], [['hex', 40]]),
  prefixed('brevo_api_key', 'Brevo (Sendinblue) API key', 'xkeysib-', [['hex', 64], '-', ['alnum', 16]]),
  prefixed('brevo_smtp_key', 'Brevo (Sendinblue) SMTP key', 'xsmtpsib-', [['hex', 64], '-', ['alnum', 16]]),
  afterKeyword('messagebird_key', 'MessageBird API key', ['messagebird', 'message_bird'], [['alnum', 25]]),
  afterKeyword('vonage_secret', 'Vonage (Nexmo) API secret', ['vonage', 'nexmo'], [['alnum', 16]]),
  afterKeyword('plivo_token', 'Plivo auth token', ['plivo'], [['alnum', 40]]),
  prefixed('telnyx_key', 'Telnyx API key', 'KEY', [['upperHex', 32], '_', ['base64url', 22]], { wordStart: true }),
  afterKeyword('sinch_secret', 'Sinch application secret', ['sinch'], [['base64pad', 24, 64]]),
  afterKeyword('pusher_secret', 'Pusher secret', ['pusher'], [['hex', 20]]),
  afterKeyword('ably_key', 'Ably API key', ['ably'], [['base64url', 6], '.', ['base64url', 6], ':', ['base64url', 43]]),
  afterKeyword('sendbird_token', 'Sendbird API token', ['sendbird'], [['hex', 40]]),
  afterKeyword('mattermost_token', 'Mattermost access token', ['mattermost'], [['lowerAlnum', 26]]),
  afterKeyword('zulip_key', 'Zulip API key', ['zulip'], [['alnum', 32]]),
  prefixed('matrix_token', 'Matrix access token', 'syt_', [['word', 30, 160]]),
  afterKeyword('intercom_token', 'Intercom access token', ['intercom'], [['base64urlPad', 60]]),
  afterKeyword('zendesk_token', 'Zendesk API token', ['zendesk'], [['alnum', 40]]),
  afterKeyword('freshdesk_key', 'Freshdesk API key', ['freshdesk'], [['alnum', 20]]),
  afterKeyword('agora_certificate', 'Agora app certificate', ['agora'], [['hex', 32]]),
  afterKeyword(
    'stream_secret',
    'Stream (getstream.io) API secret',
    ['getstream', 'stream_secret'],
    [['lowerAlnum', 64]],
  ),
  // `AAAA` + 7 characters, `:APA91b`, then the key: indexed by `:APA91b`, not by `AAAA`, which
  // folded to lower case would be found in every run of `a`.
  prefixed('firebase_cloud_messaging_key', 'Firebase Cloud Messaging server key', ':APA91b', [['base64url', 134]], {
    lead: ['base64url', 11],
  }),

  // ── Payments and commerce ────────────────────────────────────────────────────────────────────
  prefixed(
    'stripe_secret_key',
    'Stripe secret / restricted key',
    ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_'],
    [['alnum', 10, 247]],
    { wordStart: true, wordEnd: true },
  ),
  prefixed('stripe_webhook_secret', 'Stripe webhook signing secret', 'whsec_', [['alnum', 32, 64]]),
  prefixed(
    'braintree_token',
    'Braintree / PayPal access token',
    ['access_token$production$', 'access_token$sandbox$'],
    [['lowerAlnum', 16], '$', ['hex', 32]],
  ),
  afterKeyword('paypal_client_secret', 'PayPal client secret', ['paypal'], [['base64url', 80]]),
  prefixed('square_access_token', 'Square access token', ['EAAA', 'sq0atp-'], [['base64url', 22, 60]], {
    wordStart: true,
  }),
  prefixed('square_oauth_secret', 'Square OAuth secret', 'sq0csp-', [['base64url', 43]]),
  prefixed('shopify_access_token', 'Shopify access token', 'shpat_', [['anyHex', 32]]),
  prefixed('shopify_custom_app_token', 'Shopify custom app access token', 'shpca_', [['anyHex', 32]]),
  prefixed('shopify_private_app_token', 'Shopify private app access token', 'shppa_', [['anyHex', 32]]),
  prefixed('shopify_shared_secret', 'Shopify shared secret', 'shpss_', [['anyHex', 32]]),
  prefixed(
    'plaid_access_token',
    'Plaid access token',
    ['access-sandbox-', 'access-development-', 'access-production-'],
    UUID,
  ),
  afterKeyword('plaid_secret', 'Plaid secret', ['plaid'], [['lowerAlnum', 30]]),
  prefixed('flutterwave_secret_key', 'Flutterwave secret key', ['FLWSECK-', 'FLWSECK_TEST-'], [['hex', 32], '-X']),
  prefixed('flutterwave_encryption_key', 'Flutterwave encryption key', 'FLWSECK_TEST', [['hex', 12]], {
    wordEnd: true,
  }),
  prefixed('razorpay_key', 'Razorpay key', ['rzp_live_', 'rzp_test_'], [['alnum', 14]]),
  afterKeyword('razorpay_secret', 'Razorpay key secret', ['razorpay'], [['alnum', 24]]),
  afterKeyword('gocardless_token', 'GoCardless access token', ['gocardless'], ['live_', ['base64urlPad', 40]]),
  afterKeyword('mollie_key', 'Mollie API key', ['mollie'], [['alnum', 35]]),
  prefixed('checkout_secret_key', 'Checkout.com secret key', ['sk_sbox_', 'sk_prod_'], [['lowerAlnum', 26, 40]], {
    wordStart: true,
  }),
  prefixed('adyen_api_key', 'Adyen API key', 'AQE', [['base64pad', 100, 300]], { keywords: ['adyen', 'x-api-key'] }),
  prefixed('paystack_secret_key', 'Paystack secret key', ['sk_live_', 'sk_test_'], [['hex', 40]], { wordStart: true }),
  afterKeyword('coinbase_token', 'Coinbase access token', ['coinbase'], [['base64url', 64]]),
  afterKeyword('bittrex_key', 'Bittrex API key', ['bittrex'], [['alnum', 32]]),
  afterKeyword('kraken_key', 'Kraken API key', ['kraken'], [['base64pad', 56]]),
  afterKeyword('binance_key', 'Binance API key', ['binance'], [['alnum', 64]]),
  prefixed('shippo_token', 'Shippo API token', ['shippo_live_', 'shippo_test_'], [['anyHex', 40]]),
  prefixed('easypost_key', 'EasyPost API key', ['EZAK', 'EZTK'], [['alnum', 54]], { wordStart: true }),
  prefixed('duffel_token', 'Duffel API token', ['duffel_live_', 'duffel_test_'], [['base64urlPad', 43]]),
  afterKeyword('lob_key', 'Lob API key', ['lob_', 'lob-'], [['letters', 4], '_', ['hex', 35]]),
  afterKeyword(
    'woocommerce_secret',
    'WooCommerce consumer secret',
    ['woocommerce', 'consumer_secret'],
    ['cs_', ['hex', 40]],
  ),
  afterKeyword('etsy_token', 'Etsy API key', ['etsy'], [['lowerAlnum', 24]]),
  afterKeyword('squarespace_token', 'Squarespace API key', ['squarespace'], UUID),
  afterKeyword('bigcommerce_token', 'BigCommerce access token', ['bigcommerce', 'x-auth-token'], [['lowerAlnum', 31]]),

  // ── AI and data platforms ────────────────────────────────────────────────────────────────────
  prefixed(
    'openai_key',
    'OpenAI API key',
    ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-'],
    [['base64url', 20, 250]],
    {
      wordStart: true,
    },
  ),
  prefixed('openai_legacy_key', 'OpenAI / OpenAI-compatible API key', 'sk-', [['base64url', 20, 250]], {
    wordStart: true,
  }),
  prefixed('anthropic_key', 'Anthropic API key', 'sk-ant-api03-', [['base64url', 80, 120]]),
  prefixed('anthropic_admin_key', 'Anthropic admin key', 'sk-ant-admin01-', [['base64url', 80, 120]]),
  prefixed('openrouter_key', 'OpenRouter API key', 'sk-or-v1-', [['hex', 64]]),
  prefixed('huggingface_token', 'Hugging Face access token', 'hf_', [['letters', 34]], { wordStart: true }),
  prefixed('huggingface_org_token', 'Hugging Face organization API token', 'api_org_', [['letters', 34]]),
  afterKeyword('cohere_key', 'Cohere API key', ['cohere', 'co_api_key'], [['alnum', 40]]),
  prefixed('replicate_token', 'Replicate API token', 'r8_', [['alnum', 37]], { wordStart: true }),
  prefixed('groq_key', 'Groq API key', 'gsk_', [['alnum', 52]]),
  prefixed('perplexity_key', 'Perplexity API key', 'pplx-', [['alnum', 48]]),
  afterKeyword('mistral_key', 'Mistral API key', ['mistral'], [['alnum', 32]]),
  prefixed('xai_key', 'xAI API key', 'xai-', [['alnum', 80]]),
  prefixed('langsmith_key', 'LangSmith API key', ['lsv2_pt_', 'lsv2_sk_'], [['hex', 32], '_', ['hex', 10]]),
  prefixed('pinecone_key', 'Pinecone API key', 'pcsk_', [['word', 50, 90]]),
  afterKeyword('wandb_key', 'Weights & Biases API key', ['wandb'], [['hex', 40]]),
  afterKeyword('assemblyai_key', 'AssemblyAI API key', ['assemblyai'], [['hex', 32]]),
  afterKeyword('elevenlabs_key', 'ElevenLabs API key', ['elevenlabs', 'xi-api-key'], ['sk_', ['hex', 48]]),
  afterKeyword('together_key', 'Together AI API key', ['together'], [['hex', 64]]),
  prefixed('fireworks_key', 'Fireworks AI API key', 'fw_', [['alnum', 24, 48]], { wordStart: true }),
  afterKeyword('deepgram_key', 'Deepgram API key', ['deepgram'], [['hex', 40]]),
  prefixed('databricks_token', 'Databricks access token', ['dapi', 'dkea', 'dose'], [['hex', 32]], { wordStart: true }),
  afterKeyword(
    'snowflake_password',
    'Snowflake password in a connector setting',
    ['snowflake_password', 'snowsql_pwd'],
    [['base64pad', 8, 128]],
  ),
  prefixed('planetscale_token', 'PlanetScale service token', 'pscale_tkn_', [['dotted', 32, 64]]),
  prefixed('planetscale_password', 'PlanetScale database password', 'pscale_pw_', [['dotted', 32, 64]]),
  prefixed('planetscale_oauth', 'PlanetScale OAuth token', 'pscale_oauth_', [['dotted', 32, 64]]),
  afterKeyword('algolia_key', 'Algolia admin API key', ['algolia'], [['hex', 32]]),
  afterKeyword(
    'meilisearch_key',
    'Meilisearch master key',
    ['meili_master_key', 'meilisearch'],
    [['base64url', 32, 64]],
  ),
  afterKeyword('typesense_key', 'Typesense API key', ['typesense'], [['alnum', 32]]),
  prefixed('fauna_secret', 'Fauna secret', 'fnA', [['base64url', 37]], { wordStart: true }),
  afterKeyword('upstash_token', 'Upstash REST token', ['upstash'], [['base64pad', 40, 200]]),
  prefixed('airtable_pat', 'Airtable personal access token', 'pat', [['alnum', 14], '.', ['hex', 64]], {
    wordStart: true,
  }),
  afterKeyword('airtable_key', 'Airtable API key (legacy)', ['airtable'], ['key', ['alnum', 14]]),
  afterKeyword('mongodb_atlas_key', 'MongoDB Atlas private API key', ['atlas_private', 'mongodb_atlas'], UUID),
  afterKeyword('confluent_secret', 'Confluent Cloud API secret', ['confluent'], [['base64pad', 64]]),
  afterKeyword('aiven_token', 'Aiven token', ['aiven'], [['base64pad', 372]]),
  afterKeyword('firebase_secret', 'Firebase database secret', ['firebase'], [['alnum', 40]]),

  // ── SaaS, productivity, identity ─────────────────────────────────────────────────────────────
  prefixed('linear_api_key', 'Linear API key', 'lin_api_', [['alnum', 40]]),
  prefixed('linear_oauth_token', 'Linear OAuth token', 'lin_oauth_', [['hex', 64]]),
  prefixed('notion_token', 'Notion integration token', 'ntn_', [['alnum', 46]]),
  prefixed('notion_legacy_token', 'Notion integration token (legacy)', 'secret_', [['alnum', 43]], {
    wordStart: true,
    wordEnd: true,
  }),
  prefixed('figma_token', 'Figma personal access token', 'figd_', [['base64url', 40]]),
  afterKeyword(
    'asana_token',
    'Asana personal access token',
    ['asana'],
    [['digits', 1], '/', ['digits', 10, 20], ':', ['hex', 32]],
  ),
  afterKeyword('trello_key', 'Trello API key', ['trello'], [['alnum', 32]]),
  prefixed('trello_token', 'Trello token', 'ATTA', [['anyHex', 64, 72]]),
  prefixed('clickup_token', 'ClickUp personal token', 'pk_', [['digits', 6, 10], '_', ['upperAlnum', 32]], {
    wordStart: true,
  }),
  prefixed('hubspot_pat', 'HubSpot private app token', ['pat-na1-', 'pat-na2-', 'pat-eu1-', 'pat-ap1-'], UUID),
  afterKeyword('hubspot_key', 'HubSpot API key (legacy)', ['hubspot', 'hapikey'], UPPER_UUID),
  prefixed('salesforce_token', 'Salesforce access token', '00D', [['alnum', 12, 15], '!', ['dotted', 80, 255]], {
    wordStart: true,
  }),
  prefixed('dropbox_short_lived', 'Dropbox short-lived access token', 'sl.', [['base64urlPad', 130, 1400]], {
    wordStart: true,
  }),
  afterKeyword(
    'dropbox_long_lived',
    'Dropbox long-lived access token',
    ['dropbox'],
    [['lowerAlnum', 11], 'AAAAAAAAAA', ['base64urlPad', 43]],
  ),
  afterKeyword('box_token', 'Box developer token', ['box_'], [['alnum', 32]]),
  prefixed('contentful_pat', 'Contentful personal access token', 'CFPAT-', [['base64url', 43]]),
  afterKeyword('contentful_token', 'Contentful delivery API token', ['contentful'], [['base64urlPad', 43]]),
  prefixed('typeform_token', 'Typeform personal access token', 'tfp_', [['dotted', 59]]),
  prefixed('mapbox_secret_token', 'Mapbox secret token', 'sk.eyJ', [['base64url', 50, 300], '.', ['base64url', 22]]),
  prefixed('twitter_bearer_token', 'X (Twitter) bearer token', 'AAAAAAAAAAAAAAAAAAAAA', [['base64pad', 30, 120]]),
  afterKeyword('twitter_api_secret', 'X (Twitter) API secret', ['twitter'], [['alnum', 50]]),
  afterKeyword(
    'twitter_access_token',
    'X (Twitter) access token',
    ['twitter'],
    [['digits', 15, 25], '-', ['alnum', 20, 40]],
  ),
  prefixed(
    'facebook_access_token',
    'Facebook / Meta access token',
    ['EAACEdEose0cBA', 'EAAM', 'EAAC', 'EAAG'],
    [['alnum', 80, 400]],
  ),
  afterKeyword('facebook_app_secret', 'Facebook app secret', ['facebook', 'fb_secret'], [['hex', 32]]),
  prefixed('instagram_token', 'Instagram Graph API token', 'IGQV', [['base64url', 100, 400]]),
  afterKeyword('linkedin_secret', 'LinkedIn client secret', ['linkedin', 'linked_in'], [['alnum', 16]]),
  afterKeyword('twitch_token', 'Twitch API token', ['twitch'], [['lowerAlnum', 30]]),
  prefixed('twitch_oauth_token', 'Twitch chat OAuth token', 'oauth:', [['lowerAlnum', 30]], {
    wordStart: true,
    wordEnd: true,
  }),
  afterKeyword('spotify_secret', 'Spotify client secret', ['spotify'], [['hex', 32]]),
  afterKeyword('zoom_secret', 'Zoom client secret', ['zoom'], [['alnum', 32]]),
  afterKeyword('okta_token', 'Okta API token', ['okta'], ['00', ['base64urlPad', 40]]),
  afterKeyword('auth0_secret', 'Auth0 client secret', ['auth0'], [['base64url', 64]]),
  prefixed('onepassword_service_token', '1Password service account token', 'ops_eyJ', [['base64pad', 250, 2048]]),
  prefixed(
    'onepassword_secret_key',
    '1Password secret key',
    'A3-',
    [
      ['upperAlnum', 6],
      '-',
      ['upperAlnum', 11],
      '-',
      ['upperAlnum', 5],
      '-',
      ['upperAlnum', 5],
      '-',
      ['upperAlnum', 5],
    ],
    { wordStart: true },
  ),
  prefixed('age_secret_key', 'age secret key', 'AGE-SECRET-KEY-1', [['bech32', 58]]),
  prefixed('infisical_token', 'Infisical service token', 'st.', [['hex', 24], '.', ['hex', 32], '.', ['hex', 32]], {
    wordStart: true,
  }),
  prefixed('launchdarkly_sdk_key', 'LaunchDarkly SDK key', ['sdk-', 'mob-'], UUID, {
    keywords: ['launchdarkly', 'ld_sdk', 'ld_mobile'],
  }),
  afterKeyword('launchdarkly_token', 'LaunchDarkly access token', ['launchdarkly'], ['api-', ...UUID]),
  prefixed('segment_token', 'Segment public API token', 'sgp_', [['alnum', 64]]),
  prefixed('posthog_personal_key', 'PostHog personal API key', 'phx_', [['word', 43]]),
  afterKeyword('mixpanel_secret', 'Mixpanel API secret', ['mixpanel'], [['hex', 32]]),
  afterKeyword('amplitude_key', 'Amplitude API secret', ['amplitude'], [['hex', 32]]),
  prefixed('frameio_token', 'Frame.io developer token', 'fio-u-', [['base64urlPad', 64]]),
  afterKeyword('beamer_token', 'Beamer API key', ['beamer'], ['b_', ['base64urlPad', 44]]),
  prefixed('adafruit_key', 'Adafruit IO key', 'aio_', [['alnum', 28]], { wordStart: true }),
  prefixed('maxmind_license_key', 'MaxMind license key', '_mmk', [], { lead: ['dotted', 36] }),
  prefixed('adobe_client_secret', 'Adobe client secret', 'p8e-', [['alnum', 32]], { wordStart: true }),
  prefixed('intra42_secret', '42 Intra client secret', ['s-s4t2ud-', 's-s4t2af-'], [['hex', 64]]),
  prefixed('settlemint_token', 'SettleMint access token', ['sm_aat_', 'sm_pat_', 'sm_sat_'], [['alnum', 16]]),
  prefixed('uploadcare_secret', 'Uploadcare secret key', 'uc_', [['hex', 20, 40]], { keywords: ['uploadcare'] }),
  afterKeyword('cloudinary_secret', 'Cloudinary API secret', ['cloudinary'], [['base64url', 27]]),
  afterKeyword('finnhub_token', 'Finnhub API token', ['finnhub'], [['lowerAlnum', 20]]),
  afterKeyword('nytimes_key', 'New York Times API key', ['nytimes', 'newyorktimes'], [['base64urlPad', 32]]),
  afterKeyword('rapidapi_key', 'RapidAPI key', ['rapidapi', 'x-rapidapi-key'], [['base64url', 50]]),
  afterKeyword('looker_secret', 'Looker client secret', ['looker'], [['alnum', 24]]),
  afterKeyword('freshbooks_token', 'FreshBooks access token', ['freshbooks'], [['lowerAlnum', 64]]),
  afterKeyword('flickr_key', 'Flickr API key', ['flickr'], [['hex', 32]]),
  afterKeyword('meraki_key', 'Cisco Meraki API key', ['meraki'], [['hex', 40]]),
  afterKeyword('privateai_key', 'Private AI API key', ['private_ai', 'privateai'], [['lowerAlnum', 32]]),
  afterKeyword('sidekiq_secret', 'Sidekiq Enterprise credentials', ['contribsys'], [['hex', 8], ':', ['hex', 8]]),
  afterKeyword('infura_key', 'Infura project secret', ['infura'], [['hex', 32]]),
  afterKeyword('alchemy_key', 'Alchemy API key', ['alchemy'], [['base64url', 32]]),
  afterKeyword('etherscan_key', 'Etherscan API key', ['etherscan'], [['upperAlnum', 34]]),
  afterKeyword(
    'ethereum_private_key',
    'Ethereum private key',
    ['private_key', 'privatekey', 'mnemonic', 'eth_key'],
    ['0x', ['anyHex', 64]],
  ),
  afterKeyword(
    'kubernetes_token',
    'Kubernetes bootstrap token',
    ['bootstrap', 'kubeadm'],
    [['lowerAlnum', 6], '.', ['lowerAlnum', 16]],
  ),
  prefixed('dynatrace_platform_token', 'Dynatrace platform token', 'dt0s16.', [['alnum', 24], '.', ['alnum', 64]]),
];
