from .common import AmazonCommon


class TestAmazonSecrets(AmazonCommon):
    def test_credentials_are_stored_stripped(self):
        backend = self.backend.sudo()
        backend.write(
            {
                "api_key": "\tpasted-key\n",
                "amazon_lwa_client_id": " amzn1.application-oa2-client.x\r\n",
                "amazon_lwa_client_secret": "pasted-secret  \n",
                "amazon_refresh_token": "Atzr|pasted\n",
            }
        )
        self.assertEqual(backend.api_key, "pasted-key")
        self.assertEqual(backend.amazon_lwa_client_id, "amzn1.application-oa2-client.x")
        self.assertEqual(backend.amazon_lwa_client_secret, "pasted-secret")
        self.assertEqual(backend.amazon_refresh_token, "Atzr|pasted")
        other = (
            self.env["mp.backend"]
            .sudo()
            .create(
                {
                    "name": "Amazon pasted",
                    "backend_type": "amazon",
                    "amazon_refresh_token": " Atzr|new\n",
                    "amazon_lwa_client_secret": " \n",
                }
            )
        )
        self.assertEqual(other.amazon_refresh_token, "Atzr|new")
        self.assertFalse(other.amazon_lwa_client_secret)
