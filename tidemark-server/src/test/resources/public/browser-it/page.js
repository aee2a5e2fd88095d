// BrowserIT's page: proves that modules load under the server's content security policy and that the console log
// reaches the test.
document.getElementById('status').textContent = 'module ran';
console.log('browser-it: module ran');
window.browserIt = { answer: 42n };
