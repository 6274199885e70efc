-- A neutralized database never talks to Fnac Darty with production
-- credentials: forget the shops' API keys (the base forgets their tokens).
UPDATE mp_backend
   SET fnac_key = NULL;
