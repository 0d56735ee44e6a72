/**
 * The standard OpenID Connect profile claims: what a profile may show and what the OIDC adapter
 * keeps beside the upstream tokens. Anything else a provider puts in an ID token stays out.
 * @see OpenID Connect Core 1.0 §5.1
 */
export const STANDARD_CLAIMS = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'phone_number_verified',
  'address',
  'updated_at',
] as const;
