-- A neutralized database never talks to Amazon with production credentials:
-- forget the LWA application's credentials and the sellers' refresh tokens
-- (access tokens are only ever kept in the memory of the processes).
UPDATE mp_backend
   SET amazon_lwa_client_id = NULL,
       amazon_lwa_client_secret = NULL,
       amazon_refresh_token = NULL;
