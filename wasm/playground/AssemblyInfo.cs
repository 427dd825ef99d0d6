// The playground runs only in a browser (its exports are called from the page's JavaScript).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("browser")]
