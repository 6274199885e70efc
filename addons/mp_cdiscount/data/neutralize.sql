-- A neutralized database never talks to Cdiscount with production
-- credentials: forget the Octopia client credentials and the SOAP API
-- logins (the base forgets the access tokens the accounts hold).
UPDATE mp_backend
   SET cdiscount_client_id = NULL,
       cdiscount_client_secret = NULL,
       cdiscount_login = NULL,
       cdiscount_password = NULL;
