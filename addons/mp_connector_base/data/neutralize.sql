-- A neutralized database never talks to the marketplaces with production
-- credentials: forget the secrets and the access tokens, and stop the
-- accounts.
UPDATE mp_backend
   SET api_key = NULL,
       active = false;
DELETE FROM mp_backend_token;
